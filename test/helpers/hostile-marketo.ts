import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A hostile stand-in for Marketo over real HTTP: it answers every SOAP call with whatever `answer`
 * returns for the number of records in the request (huge texts, odd ids, floods of elements).
 */
export interface HostileMarketo {
  endpoint: string;
  /** Calls answered so far. */
  readonly calls: number;
  /** Replaces the answer for the next calls; `'trickle'` sends one byte a second and never ends. */
  answer(build: (records: number) => { status: number; body: string } | 'trickle'): void;
  close(): Promise<void>;
}

const ENV_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://www.marketo.com/mktows/"><SOAP-ENV:Body>';
const ENV_CLOSE = '</SOAP-ENV:Body></SOAP-ENV:Envelope>';

/** A syncMultipleLeads success answer carrying `statuses` (each the inside of one syncStatus). */
export function leadsAnswer(statuses: string[]): { status: number; body: string } {
  return {
    status: 200,
    body: `${ENV_OPEN}<ns1:successSyncMultipleLeads><result><syncStatusList>${statuses.map((s) => `<syncStatus>${s}</syncStatus>`).join('')}</syncStatusList></result></ns1:successSyncMultipleLeads>${ENV_CLOSE}`,
  };
}

/** A SOAP fault answer (HTTP 500) with the given texts. */
export function faultAnswer(
  faultString: string,
  message: string,
  code = '20105',
): { status: number; body: string } {
  return {
    status: 500,
    body: `${ENV_OPEN}<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>${faultString}</faultstring><detail><ns1:serviceException><name>mktServiceException</name><message>${message}</message><code>${code}</code></ns1:serviceException></detail></SOAP-ENV:Fault>${ENV_CLOSE}`,
  };
}

/** Starts the hostile endpoint on a free loopback port. */
export async function startHostileMarketo(): Promise<HostileMarketo> {
  let build: (records: number) => { status: number; body: string } | 'trickle' = (n) =>
    leadsAnswer(Array.from({ length: n }, (_, i) => `<leadId>${i + 1}</leadId><status>CREATED</status>`));
  let calls = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = Buffer.concat(chunks).toString('utf8');
      const records = request.split('<leadRecord>').length - 1 || request.split('<mObject>').length - 1;
      calls++;
      const answer = build(records);
      if (answer === 'trickle') {
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
        const drip = setInterval(() => res.write(' '), 1_000);
        res.on('close', () => clearInterval(drip));
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/soap/mktows/2_3`,
    get calls() {
      return calls;
    },
    answer(next) {
      build = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
