import { randomBytes } from 'node:crypto';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { MarketoSoapClient, type SoapClientOptions } from '../../src/soap/client.js';

/** A running emulator with fresh credentials and a client signed for it. */
export interface EmulatorFixture {
  emulator: Emulator;
  client: MarketoSoapClient;
  credentials: { userId: string; encryptionKey: string };
  /** Another client for the same emulator, with options of its own. */
  newClient(options?: Partial<SoapClientOptions>): MarketoSoapClient;
  close(): Promise<void>;
}

export async function startFixture(
  options: Partial<EmulatorOptions> = {},
  clientOptions: Partial<SoapClientOptions> = {},
): Promise<EmulatorFixture> {
  const credentials = {
    userId: `test_${randomBytes(4).toString('hex')}`,
    encryptionKey: randomBytes(16).toString('hex'),
  };
  const emulator = await startEmulator({ ...credentials, ...options });
  const clients: MarketoSoapClient[] = [];
  const newClient = (extra: Partial<SoapClientOptions> = {}): MarketoSoapClient => {
    const client = new MarketoSoapClient({
      endpoint: emulator.endpoint,
      ...credentials,
      retryMinDelayMs: 5,
      ...clientOptions,
      ...extra,
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    emulator,
    client,
    credentials,
    newClient,
    close: async () => {
      for (const c of clients) c.close();
      await emulator.close();
    },
  };
}

/** Posts a raw SOAP body to the emulator, for requests the client would never build. */
export async function postRaw(
  endpoint: string,
  body: string | Uint8Array,
): Promise<{ status: number; text: string }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml; charset=utf-8',
      SOAPAction: '"http://www.marketo.com/mktows/syncMultipleLeads"',
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}
