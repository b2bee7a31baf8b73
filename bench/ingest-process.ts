import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { announced, BIN } from './harness.js';

/** The bearer token the benchmark's ingest process requires (a benchmark's, never a secret). */
const TOKEN = 'bench-ingest-token-0123456789';

/** A running `mktsync ingest` and a keep-alive client for it. */
export interface IngestProcess {
  readonly url: string;
  readonly pid: number;
  /** POSTs one JSON body to /v1/leads; rejects unless the answer is 202 (read whole). */
  postLeads(body: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `mktsync ingest` in its own process, as it is deployed, with its default settings (bearer token on,
 * 5 MiB bodies), writing under `prefix`; so that the load generator (this process) does not share the
 * server's event loop. The client is node's own `http` with a keep-alive agent of `sockets`
 * connections: the benchmark measures the server, not a client library (the `fetch` client cost as
 * much CPU per body as the server's own parsing and validation, in the same process).
 */
export async function ingestProcess(
  redisUrl: string,
  prefix: string,
  sockets: number,
  /** Node options for the server's process, e.g. `--cpu-prof` to profile it. */
  nodeArgs: readonly string[] = [],
): Promise<IngestProcess> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, BIN, 'ingest', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      MKTSYNC_PREFIX: prefix,
      MKTSYNC_INGEST_TOKEN: TOKEN,
      MKTSYNC_INGEST_HOST: '127.0.0.1',
    },
  });
  const url = await announced(child, 'url', 'mktsync ingest');
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const target = new URL('/v1/leads', url);
  const postLeads = (body: string): Promise<void> =>
    new Promise((ok, fail) => {
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            Authorization: `Bearer ${TOKEN}`,
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () =>
            res.statusCode === 202 ? ok() : fail(new Error(`ingest answered ${res.statusCode}`)),
          );
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  return {
    url,
    pid: child.pid!,
    postLeads,
    stop: async () => {
      agent.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
