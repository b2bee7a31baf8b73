import {
  readMarketoSettings,
  readRestSettings,
  readTransportKind,
  requireMarketo,
  type MarketoTransportKind,
} from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { safeUrl } from '../safe-url.js';

/** The demo credentials the built-in emulator accepts (`mktsync emulator`'s defaults; not secrets). */
export interface DemoCredentials {
  userId: string;
  encryptionKey: string;
  clientId: string;
  clientSecret: string;
}

/** Where the demo sends: the worker environment for it, and what to tell the user. */
export interface DemoMarketo {
  transport: MarketoTransportKind;
  /** The MARKETO_* variables of the workers' settings. */
  env: Record<string, string>;
  /** The started emulator, when the demo runs against its own. */
  emulator?: Emulator;
  /** One line saying where the calls go. */
  description: string;
}

/**
 * The transport `--transport` names; without it, the one the environment configures for `--marketo`
 * (MARKETO_TRANSPORT, else the endpoint that is set) and SOAP against the built-in emulator.
 */
export function demoTransport(
  flag: string | undefined,
  marketo: boolean,
  env: NodeJS.ProcessEnv,
): MarketoTransportKind | { error: string } {
  if (flag === undefined) return marketo ? readTransportKind(env) : 'soap';
  if (flag === 'soap' || flag === 'rest') return flag;
  return { error: `--transport must be soap or rest, got ${JSON.stringify(flag.slice(0, 20))}` };
}

/** The real Marketo the environment names, over `transport`; a ConfigError names what is missing. */
export function realMarketo(transport: MarketoTransportKind, env: NodeJS.ProcessEnv): DemoMarketo {
  if (transport === 'soap') {
    const m = requireMarketo(readMarketoSettings(env));
    return {
      transport,
      env: {
        MARKETO_SOAP_ENDPOINT: m.endpoint,
        MARKETO_USER_ID: m.userId,
        MARKETO_ENCRYPTION_KEY: m.encryptionKey,
      },
      description: `sending to ${safeUrl(m.endpoint)} over SOAP`,
    };
  }
  const rest = readRestSettings(env);
  return {
    transport,
    env: {
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: rest.endpoint,
      MARKETO_IDENTITY_ENDPOINT: rest.identityEndpoint,
      MARKETO_CLIENT_ID: rest.clientId,
      MARKETO_CLIENT_SECRET: rest.clientSecret,
      ...(rest.foreignIdField ? { MARKETO_REST_FOREIGN_ID_FIELD: rest.foreignIdField } : {}),
      ...(rest.partitionName ? { MARKETO_REST_PARTITION: rest.partitionName } : {}),
    },
    description: `sending to ${safeUrl(rest.endpoint)} over REST (tokens from ${safeUrl(rest.identityEndpoint)})`,
  };
}

/** Starts the built-in emulator, serving SOAP and REST with the demo credentials. */
export async function demoEmulator(
  transport: MarketoTransportKind,
  credentials: DemoCredentials,
  latency: { medianMs: number; p99Ms: number } | undefined,
): Promise<DemoMarketo & { emulator: Emulator }> {
  const emulator = await startEmulator({
    userId: credentials.userId,
    encryptionKey: credentials.encryptionKey,
    rest: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    ...(latency ? { faults: { latency } } : {}),
  });
  const limits = `100 calls/20 s, 10 at once${latency ? `, latency median ${latency.medianMs} ms, p99 ${latency.p99Ms / 1000} s` : ''}`;
  if (transport === 'soap')
    return {
      transport,
      emulator,
      env: {
        MARKETO_SOAP_ENDPOINT: emulator.endpoint,
        MARKETO_USER_ID: credentials.userId,
        MARKETO_ENCRYPTION_KEY: credentials.encryptionKey,
      },
      description: `started the Marketo emulator at ${emulator.endpoint} (${limits})`,
    };
  return {
    transport,
    emulator,
    env: {
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: emulator.restEndpoint,
      MARKETO_CLIENT_ID: credentials.clientId,
      MARKETO_CLIENT_SECRET: credentials.clientSecret,
    },
    description: `started the Marketo emulator at ${emulator.restEndpoint}, REST mode (${limits})`,
  };
}
