import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { validateLeads, validateMObjects } from './changes.js';
import { parseIngestBody } from './ingest-body.js';
import type { Producer } from './producer.js';
import { createIngestMetrics } from '../metrics/ingest-metrics.js';

/** Options of {@link startIngestServer}. */
export interface IngestServerOptions {
  producer: Producer;
  /** Bearer token clients must send; required unless `authDisabled`. */
  token?: string;
  /** Accept requests without a token (for a trusted network only). */
  authDisabled?: boolean;
  /**
   * Largest accepted body.
   * @defaultValue 5 MiB
   */
  maxBodyBytes?: number;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue 127.0.0.1 */
  host?: string;
  log?: Logger;
}

export interface IngestServer {
  readonly url: string;
  close(): Promise<void>;
}

class TooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * HTTP ingestion: `POST /v1/leads` and `POST /v1/mobjects` take a JSON array, one JSON object, or NDJSON.
 * A body is accepted whole or refused whole: with any invalid item the answer is 400 listing every
 * problem and nothing is written, so a client can fix and resend the same body without duplicates.
 */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  if (!options.authDisabled && !options.token) {
    throw new Error(
      'the ingest server needs a bearer token (MKTSYNC_INGEST_TOKEN), or auth switched off explicitly',
    );
  }
  const log = options.log ?? silentLogger;
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;

  const authorized = (req: http.IncomingMessage): boolean => {
    if (options.authDisabled) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected!.length && timingSafeEqual(given, expected!);
  };

  const metrics = createIngestMetrics();
  const reply = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const path = (res.req.url ?? '/').split('?')[0]!;
    metrics.request(path.startsWith('/v1/') ? path : 'other', status);
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const ingest = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    kind: 'leads' | 'mobjects',
  ): Promise<void> => {
    if (!authorized(req))
      return reply(
        res,
        401,
        { error: 'Authorization: a valid bearer token is required' },
        { 'WWW-Authenticate': 'Bearer' },
      );
    let raw: Buffer;
    try {
      raw = await readBody(req, limit);
    } catch (error) {
      if (error instanceof TooLarge)
        return reply(res, 413, { error: `body: larger than ${limit} bytes; send fewer changes per request` });
      throw error;
    }
    const body = parseIngestBody(raw, String(req.headers['content-type'] ?? ''));
    const validated = (kind === 'leads' ? validateLeads : validateMObjects)(
      body.items,
      (i) => body.positions[i]!,
    );
    const problems = [...body.problems, ...validated.problems].map((p) => ({
      [body.positionKind]: p.at,
      field: p.field,
      reason: p.reason,
    }));
    if (problems.length > 0) {
      metrics.rejected(kind, Math.max(body.items.length, 1));
      return reply(res, 400, { error: `nothing accepted: ${problems.length} problem(s)`, problems });
    }
    let refs;
    try {
      // One Redis call for the whole body: it is written whole or not at all.
      refs = await options.producer.buffer.enqueue(validated.valid.map((v) => v.change));
    } catch (error) {
      log.error('Redis refused a write', { error: (error as Error).message });
      return reply(
        res,
        503,
        {
          error: `Redis cannot take the write now (${(error as Error).message}); nothing was accepted, retry later`,
        },
        { 'Retry-After': '5' },
      );
    }
    metrics.accepted(kind, refs.length, refs.merged);
    reply(res, 202, {
      accepted: refs.length,
      references: refs.map((r, i) => ({
        [body.positionKind]: body.positions[validated.valid[i]!.index],
        key: r.key,
        seq: r.seq,
      })),
    });
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const run = async (): Promise<void> => {
      if (path === '/livez') return reply(res, 200, { ok: true });
      if (path === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (path === '/readyz') {
        const status = options.producer.buffer.redis.status;
        return status === 'ready'
          ? reply(res, 200, { ready: true })
          : reply(res, 503, { ready: false, reason: `Redis is ${status}` });
      }
      if (path === '/v1/leads' || path === '/v1/mobjects') {
        if (req.method !== 'POST') return reply(res, 405, { error: `${path} takes POST` }, { Allow: 'POST' });
        return ingest(req, res, path === '/v1/leads' ? 'leads' : 'mobjects');
      }
      reply(res, 404, { error: `no route ${req.method} ${path}; use POST /v1/leads or /v1/mobjects` });
    };
    run().catch((error: unknown) => {
      log.error('ingest request failed', { error: (error as Error).message });
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
