import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { type ValidatedChanges } from './changes.js';
import type { EnqueueChange } from '../buffer/buffer.js';
import { BodyBudget } from './body-budget.js';
import { bodyFormat, type BodyFormat } from './content-type.js';
import { bodyItemKey, headerKeyProblem } from './idempotency-key.js';
import { decodeIngestBody, isNdjson, notUtf8, parseIngestText } from './ingest-body.js';
import { scanLeadBody } from './lead-body-scan.js';
import { acceptedReplyText } from './ingest-reply.js';
import { validateInSlices } from './validate-slices.js';
import { CHANGE_KINDS, changeKindOfPath, type ChangeKind } from './change-kinds.js';
import type { Producer } from './producer.js';
import { writeFailure } from './write-failure.js';
import { createIngestMetrics } from '../metrics/ingest-metrics.js';
import { redisProblem } from '../redis.js';
import { ingestRoute } from './ingest-instances.js';

/** A body's valid changes, and where each stands in the body (its index, or its line in NDJSON). */
interface ValidBody {
  changes: readonly EnqueueChange[];
  positionKind: 'index' | 'line';
  positionOf: (i: number) => number;
}

/** Bodies up to this size are read by the one-pass scan (about 5,000 lead changes, a few ms). */
const SCAN_MAX_BYTES = 512 * 1024;

/** Options of {@link startIngestServer}. */
export interface IngestServerOptions {
  /** Where `/v1/leads` and `/v1/mobjects` write (the default instance's producer). */
  producer: Producer;
  /**
   * Named instances' producers, for `POST /v1/instances/{name}/leads` and `/mobjects` (see
   * ingest-instances.ts); a name not here is answered 404 naming it.
   */
  instances?: ReadonlyMap<string, Producer>;
  /** The default instance's name, for the `marketo_instance` metric label of the old paths. */
  defaultInstance?: string;
  /** Answer the old paths 404, naming the instance paths (an instances file without a default). */
  instancePathsOnly?: boolean;
  /** Bearer token clients must send; required unless `authDisabled`. */
  token?: string;
  /** Accept requests without a token (for a trusted network only). */
  authDisabled?: boolean;
  /**
   * Largest accepted body.
   * @defaultValue 5 MiB
   */
  maxBodyBytes?: number;
  /**
   * Bytes of bodies read, parsed and written at once; a body beyond it is answered 503 with
   * `Retry-After` (one body is always let through when nothing else is in progress).
   * @defaultValue 3 × maxBodyBytes
   */
  maxBytesInProgress?: number;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue 127.0.0.1 */
  host?: string;
  log?: Logger;
  /**
   * Longest time a request may take to arrive whole, headers and body (Node's `requestTimeout`; the
   * headers alone get at most 10 s of it). A client trickling its body is answered 408 and cut off.
   * @defaultValue 30000
   */
  requestTimeoutMs?: number;
}

export interface IngestServer {
  readonly url: string;
  close(): Promise<void>;
}

class TooLarge extends Error {}
class Busy extends Error {}
class ClientGone extends Error {}

/** Reads a body of at most `limit` bytes, reserving budget as it arrives; a client gone midway rejects. */
function readBody(
  req: http.IncomingMessage,
  limit: number,
  reserve: ((bytes: number) => boolean) | undefined,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error): void => {
      req.removeAllListeners('data');
      req.resume();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(new TooLarge());
      else if (reserve && !reserve(chunk.length)) stop(new Busy());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // Cut off (the request timeout) or gone: whatever was reserved is released by the caller.
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

/**
 * HTTP ingestion: `POST /v1/leads`, `/v1/mobjects`, `/v1/memberships` and `/v1/activities` take a JSON array, one JSON
 * object, or NDJSON.
 * A body is accepted whole or refused whole: with any invalid item the answer is 400 listing every
 * problem and nothing is written, so a client can fix and resend the same body without duplicates.
 * With an `Idempotency-Key` header, item N of the body carries the key `HEADER:N` (unless it has its
 * own), so resending a body whose answer was lost writes nothing twice and answers the first references.
 * A 503 says whether nothing was written (`state: "refused"`) or the write may have happened
 * (`state: "unknown"`).
 */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  if (!options.authDisabled && !options.token) {
    throw new Error(
      'the ingest server needs a bearer token (MKTSYNC_INGEST_TOKEN), or auth switched off explicitly',
    );
  }
  const log = options.log ?? silentLogger;
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const budget = new BodyBudget(options.maxBytesInProgress ?? 3 * limit);
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;

  const authorized = (req: http.IncomingMessage): boolean => {
    if (options.authDisabled) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected!.length && timingSafeEqual(given, expected!);
  };

  const metrics = createIngestMetrics(() => budget.inProgress, [...(options.instances?.keys() ?? [])]);
  const reply = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => replyText(res, status, JSON.stringify(body), headers);
  const replyText = (
    res: http.ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ): void => {
    const path = (res.req.url ?? '/').split('?')[0]!;
    const route = ingestRoute(path, options);
    metrics.request(route.label, status, route.instance);
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
    kind: ChangeKind,
    producer: Producer,
  ): Promise<void> => {
    if (!authorized(req))
      return reply(
        res,
        401,
        { error: 'Authorization: a valid bearer token is required' },
        { 'WWW-Authenticate': 'Bearer' },
      );
    const format = bodyFormat(req.headers['content-type']);
    if ('problem' in format)
      return reply(res, 415, { error: `Content-Type: ${format.problem}` }, { Accept: 'application/json' });
    const header = req.headers['idempotency-key'];
    const idempotency = Array.isArray(header) ? header.join(',') : header;
    const keyProblem = idempotency === undefined ? undefined : headerKeyProblem(idempotency);
    if (keyProblem) return reply(res, 400, { error: `Idempotency-Key: ${keyProblem}` });

    const declared =
      req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (declared !== undefined && declared > limit) return tooLarge(res);
    let reserved = 0;
    const reserve = (bytes: number): boolean => {
      if (!budget.tryReserve(bytes, reserved)) return false;
      reserved += bytes;
      return true;
    };
    try {
      // A declared length that cannot fit now is refused before reading. The budget is taken as the
      // bytes arrive, so a client that declares much and sends little holds only what it sent.
      if (declared !== undefined && !budget.fits(declared)) return busy(req, res);
      let raw: Buffer;
      try {
        raw = await readBody(req, limit, reserve);
      } catch (error) {
        if (error instanceof TooLarge) return tooLarge(res);
        if (error instanceof Busy) return busy(req, res);
        // Nobody to answer: Node answered 408 to a body over the request timeout, or the client left.
        if (error instanceof ClientGone) return;
        throw error;
      }
      await write(res, kind, raw, format.format, idempotency, producer);
    } finally {
      budget.release(reserved);
    }
  };

  const tooLarge = (res: http.ServerResponse): void =>
    reply(res, 413, { error: `body: larger than ${limit} bytes; send fewer changes per request` });

  const busy = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    metrics.busy();
    // The body is not read: the connection closes after the answer.
    reply(
      res,
      503,
      {
        error:
          `busy: ${budget.inProgress} bytes of bodies are being taken in (limit ${budget.limitBytes}); ` +
          'nothing was accepted, retry after the delay',
        state: 'refused',
      },
      { 'Retry-After': '1', Connection: 'close' },
    );
    req.resume();
  };

  const write = async (
    res: http.ServerResponse,
    kind: ChangeKind,
    raw: Buffer,
    format: BodyFormat,
    idempotency: string | undefined,
    producer: Producer,
  ): Promise<void> => {
    const text = decodeIngestBody(raw);
    // A plain body of lead changes goes from its text to the buffer's arguments in one pass; anything
    // the scan is not sure of takes the general path below, which also names each problem.
    // Up to SCAN_MAX_BYTES: the scan runs without a break (a few ms; a wide attributes object takes the
    // general path), where the general path's validation yields to other requests between slices.
    const scanned =
      text !== undefined && raw.length <= SCAN_MAX_BYTES && kind === 'leads' && !isNdjson(text, format)
        ? scanLeadBody(text, producer.intake)
        : undefined;
    if (scanned !== undefined)
      return commit(res, kind, producer, idempotency, {
        changes: scanned,
        positionKind: 'index',
        positionOf: (i) => i,
      });
    const body = text === undefined ? notUtf8() : parseIngestText(text, format);
    const validated: ValidatedChanges = await validateInSlices(
      kind,
      body.items,
      (i) => body.positions[i]!,
      producer.intake,
    );
    const problems = [...body.problems, ...validated.problems].map((p) => ({
      [body.positionKind]: p.at,
      field: p.field,
      reason: p.reason,
    }));
    if (problems.length > 0) {
      metrics.rejected(kind, Math.max(body.items.length, 1), producer.instance ?? options.defaultInstance);
      return reply(res, 400, { error: `nothing accepted: ${problems.length} problem(s)`, problems });
    }
    return commit(res, kind, producer, idempotency, {
      changes: validated.valid.map((v) => v.change),
      positionKind: body.positionKind,
      positionOf: (i) => body.positions[validated.valid[i]!.index]!,
    });
  };

  /** Writes a body's valid changes and answers. */
  const commit = async (
    res: http.ServerResponse,
    kind: ChangeKind,
    producer: Producer,
    idempotency: string | undefined,
    { changes: valid, positionKind, positionOf }: ValidBody,
  ): Promise<void> => {
    const instance = producer.instance ?? options.defaultInstance;
    const changes =
      idempotency === undefined
        ? valid
        : valid.map((c, i) =>
            c.idempotencyKey === undefined
              ? { ...c, idempotencyKey: bodyItemKey(idempotency, positionOf(i)) }
              : c,
          );
    let refs;
    try {
      // One Redis call for the whole body: it is written whole or not at all.
      refs = await producer.enqueueChanges(changes);
    } catch (error) {
      const message = (error as Error).message;
      const state = writeFailure(error);
      log.error('Redis failed a write', { error: message, state });
      return reply(
        res,
        503,
        state === 'refused'
          ? {
              error: `Redis cannot take the write now (${message}); nothing was accepted, retry later`,
              state,
            }
          : {
              error:
                `the connection to Redis failed before it answered (${message}): the body may or may not ` +
                'have been accepted; resend it with the same Idempotency-Key, which writes nothing twice',
              state,
            },
        { 'Retry-After': '5' },
      );
    }
    metrics.accepted(kind, refs.length - refs.replayed, refs.merged, refs.replayed, instance);
    replyText(res, 202, acceptedReplyText(positionKind, refs, refs.replayed, positionOf));
  };

  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const timeouts = {
    requestTimeout,
    headersTimeout: Math.min(requestTimeout, 10_000),
    // How often Node looks for requests over their time (its default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, requestTimeout),
  };
  const server = http.createServer(timeouts, (req, res) => {
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
        const problem = redisProblem(options.producer.buffer.redis);
        return problem === null
          ? reply(res, 200, { ready: true })
          : reply(res, 503, { ready: false, reason: problem });
      }
      const kind = changeKindOfPath(path ?? '');
      if (kind !== undefined) {
        if (req.method !== 'POST') return reply(res, 405, { error: `${path} takes POST` }, { Allow: 'POST' });
        if (options.instancePathsOnly)
          return reply(res, 404, {
            error: `${path}: name the instance, POST /v1/instances/{name}${path!.slice(3)}`,
          });
        return ingest(req, res, kind, options.producer);
      }
      // instances: POST /v1/instances/{name}/<kind>
      const named = ingestRoute(path ?? '/', options);
      if (named.kind !== undefined) {
        if (req.method !== 'POST')
          return reply(res, 405, { error: `${named.label} takes POST` }, { Allow: 'POST' });
        if (named.producer === undefined) return reply(res, 404, { error: named.problem });
        return ingest(req, res, named.kind, named.producer);
      }
      reply(res, 404, {
        error: `no route ${req.method} ${path}; use POST ${CHANGE_KINDS.map((k) => `/v1/${k}`).join(', ')}`,
      });
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
