import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LEAD_DESCRIBE, OPPORTUNITY_DESCRIBE, ROLE_DESCRIBE } from '../fixtures/rest-describe.js';

/**
 * A small purpose-built Marketo REST stand-in for the client's tests: real HTTP, scripted answers, and
 * a log of every request. It serves what a test needs that the emulator's REST mode cannot produce on
 * demand (hangs, resets after reading, exact answers); the emulator tests cover Marketo's semantics.
 */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a route answers: a JSON body (HTTP 200 unless given), or a socket action. */
export type FakeAnswer =
  | { status?: number; json: unknown; headers?: Record<string, string>; delayMs?: number }
  | { status: number; text: string }
  | { action: 'hang' | 'reset' };

export interface FakeMarketo {
  url: string;
  requests: FakeRequest[];
  /** Issued tokens: value → expiry (epoch ms). */
  tokens: Map<string, number>;
  clientId: string;
  clientSecret: string;
  /** Lifetime of new tokens (s). */
  tokenTtlSec: number;
  /** Delay of every Identity answer (ms). */
  identityDelayMs: number;
  /** Answers `expires_in: 0` for the next N token requests. */
  zeroExpiryNext: number;
  /** Per-path handler of API requests that passed the token check; default: everything created. */
  handlers: Map<string, (req: FakeRequest) => FakeAnswer>;
  /** Answers the next N API requests with this instead of the handler (after the token check). */
  queue: FakeAnswer[];
  apiRequests(): FakeRequest[];
  /** Client connections currently open. */
  openConnections(): number;
  close(): Promise<void>;
}

const ok = (result: unknown[]): FakeAnswer => ({ json: { requestId: 'fake#1', success: true, result } });

export async function startFakeMarketo(): Promise<FakeMarketo> {
  let nextId = 100;
  let tokenCount = 0;
  const fake = {} as FakeMarketo;
  const sockets = new Set<import('node:net').Socket>();
  Object.assign(fake, {
    requests: [] as FakeRequest[],
    tokens: new Map<string, number>(),
    clientId: 'fake-client-id',
    clientSecret: 'fake-client-secret-0123456789',
    tokenTtlSec: 3600,
    zeroExpiryNext: 0,
    identityDelayMs: 0,
    queue: [] as FakeAnswer[],
    handlers: new Map<string, (req: FakeRequest) => FakeAnswer>([
      ['/rest/v1/leads/describe.json', () => ok(LEAD_DESCRIBE)],
      ['/rest/v1/opportunities/describe.json', () => ok(OPPORTUNITY_DESCRIBE)],
      ['/rest/v1/opportunities/roles/describe.json', () => ok(ROLE_DESCRIBE)],
      [
        '/rest/v1/leads.json',
        (req) => {
          const input = (JSON.parse(req.body) as { input: unknown[] }).input;
          return ok(input.map(() => ({ id: nextId++, status: 'created' })));
        },
      ],
      [
        '/rest/v1/opportunities.json',
        (req) => {
          const input = (JSON.parse(req.body) as { input: unknown[] }).input;
          // Answer in reverse order: the client must match by seq, not by position.
          return ok(
            input.map((_, seq) => ({ seq, status: 'created', marketoGUID: `guid-${seq}` })).reverse(),
          );
        },
      ],
      [
        '/rest/v1/opportunities/roles.json',
        (req) => {
          const input = (JSON.parse(req.body) as { input: unknown[] }).input;
          return ok(input.map((_, seq) => ({ seq, status: 'updated', marketoGUID: `role-${seq}` })));
        },
      ],
    ]),
    apiRequests: () => fake.requests.filter((r) => !r.path.startsWith('/identity')),
  });
  const answer = (res: http.ServerResponse, a: FakeAnswer): void => {
    if ('action' in a) {
      if (a.action === 'reset') res.socket?.destroy();
      return; // hang: never answer
    }
    if ('text' in a) {
      res.writeHead(a.status, { 'Content-Type': 'text/html' }).end(a.text);
      return;
    }
    const send = (): void => {
      res
        .writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers })
        .end(JSON.stringify(a.json));
    };
    if (a.delayMs) setTimeout(send, a.delayMs);
    else send();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const fr: FakeRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      fake.requests.push(fr);
      if (fr.path === '/identity/oauth/token') {
        // Adobe's documented query parameters, or a form body (what mktsync sends).
        const form = new URLSearchParams(
          String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') ? fr.body : '',
        );
        const param = (name: string): string | null => fr.query.get(name) ?? form.get(name);
        if (param('client_id') !== fake.clientId || param('client_secret') !== fake.clientSecret) {
          answer(res, {
            status: 401,
            json: { error: 'unauthorized', error_description: 'Bad client credentials' },
          });
          return;
        }
        const now = Date.now();
        let live = [...fake.tokens].find(([, exp]) => exp > now);
        if (!live) {
          live = [`tok-${++tokenCount}`, now + fake.tokenTtlSec * 1000];
          fake.tokens.set(live[0], live[1]);
        }
        const zero = fake.zeroExpiryNext > 0;
        if (zero) fake.zeroExpiryNext--;
        answer(res, {
          delayMs: fake.identityDelayMs,
          json: {
            access_token: live[0],
            token_type: 'bearer',
            expires_in: zero ? 0 : Math.floor((live[1] - now) / 1000),
            scope: 'api@example.com',
          },
        });
        return;
      }
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const expiry = auth === undefined ? undefined : fake.tokens.get(auth);
      const refuse = (code: string, message: string): void =>
        answer(res, { json: { requestId: 'fake#0', success: false, errors: [{ code, message }] } });
      if (auth === undefined || expiry === undefined) return refuse('601', 'Access token invalid');
      if (expiry <= Date.now()) {
        // First use after expiry: 602; afterwards 601 (Marketo's documented order).
        fake.tokens.set(auth, -1);
        return expiry === -1 ? refuse('601', 'Access token invalid') : refuse('602', 'Access token expired');
      }
      const queued = fake.queue.shift();
      if (queued) return answer(res, queued);
      const handler =
        fake.handlers.get(fr.path) ??
        (/^\/rest\/asset\/v1\/program\/(\d+)\.json$/.test(fr.path)
          ? () => ok([{ id: Number(/(\d+)\.json$/.exec(fr.path)![1]), name: 'P' }])
          : undefined);
      if (!handler) return refuse('610', 'Requested resource not found');
      answer(res, handler(fr));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.openConnections = () => sockets.size;
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
