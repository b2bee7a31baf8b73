import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { readWorkerSettings, type WorkerSettings } from '../src/config.js';

/** Median of measured values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const BIN = resolve(import.meta.dirname, '../bin/mktsync.js');
export const USER = 'bench_user';
export const KEY = 'bench-encryption-key';
/** The REST client credentials the benchmark emulator accepts (a benchmark's, never a secret). */
export const REST_CLIENT_ID = 'bench_client';
export const REST_CLIENT_SECRET = 'bench-client-secret';

/** The transports measured side by side. */
export const TRANSPORTS = ['soap', 'rest'] as const;
export type BenchTransport = (typeof TRANSPORTS)[number];

/** A running benchmark emulator: SOAP at `endpoint`, REST (and the admin API) at `url`. */
export interface BenchEmulator {
  endpoint: string;
  url: string;
}

/**
 * The first value of `field` in the JSON log lines a child process prints on its stdout (the address
 * it listens on); rejects if the process exits first.
 */
export function announced(child: ChildProcess, field: string, what: string): Promise<string> {
  return new Promise<string>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`${what} exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const value = (JSON.parse(line) as Record<string, unknown>)[field];
        if (typeof value === 'string' && value !== '') ok(value);
      } catch {
        /* not a log line */
      }
    });
  });
}

/** An emulator in its own process, so that it never shares a core's event loop with what is measured. */
export async function emulatorProcess(
  args: string[] = [],
): Promise<BenchEmulator & { pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      'emulator',
      '--port',
      '0',
      '--user-id',
      USER,
      '--encryption-key',
      KEY,
      '--client-id',
      REST_CLIENT_ID,
      '--client-secret',
      REST_CLIENT_SECRET,
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const endpoint = await announced(child, 'endpoint', 'emulator');
  return {
    endpoint,
    url: endpoint.replace(/\/soap\/.*/, ''),
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Configures an emulator over HTTP. */
export async function configure(url: string, patch: unknown): Promise<void> {
  const response = await fetch(`${url}/_emulator/config`, { method: 'POST', body: JSON.stringify(patch) });
  if (!response.ok) throw new Error(`emulator config: ${await response.text()}`);
}

export function freshPrefix(): string {
  return `bench-${randomBytes(4).toString('hex')}`;
}

export function settingsFor(
  redisUrl: string,
  endpoint: string,
  prefix: string,
  env: Record<string, string> = {},
): WorkerSettings {
  return readWorkerSettings({
    REDIS_URL: redisUrl,
    MKTSYNC_PREFIX: prefix,
    MARKETO_SOAP_ENDPOINT: endpoint,
    MARKETO_USER_ID: USER,
    MARKETO_ENCRYPTION_KEY: KEY,
    MKTSYNC_HTTP_PORT: '0',
    MKTSYNC_HTTP_HOST: '127.0.0.1',
    MKTSYNC_LOG_LEVEL: 'warn',
    ...env,
  });
}

/**
 * The worker's REST environment against the benchmark emulator, with the SOAP defaults for the rate and
 * concurrency limits (REST's own defaults are lower, after Adobe's advice, because other integrations
 * share the instance's limits): both transports are measured under the same limits.
 */
export function restEnv(emulator: BenchEmulator): Record<string, string> {
  return {
    MARKETO_TRANSPORT: 'rest',
    MARKETO_REST_ENDPOINT: emulator.url,
    MARKETO_CLIENT_ID: REST_CLIENT_ID,
    MARKETO_CLIENT_SECRET: REST_CLIENT_SECRET,
    MKTSYNC_RATE_LIMIT: '80',
    MKTSYNC_MAX_CONCURRENT: '8',
  };
}

/** Worker settings over `transport` against the benchmark emulator. */
export function settingsOver(
  redisUrl: string,
  emulator: BenchEmulator,
  prefix: string,
  transport: BenchTransport,
  env: Record<string, string> = {},
): WorkerSettings {
  if (transport === 'soap') return settingsFor(redisUrl, emulator.endpoint, prefix, env);
  return readWorkerSettings({
    REDIS_URL: redisUrl,
    MKTSYNC_PREFIX: prefix,
    MKTSYNC_HTTP_PORT: '0',
    MKTSYNC_HTTP_HOST: '127.0.0.1',
    MKTSYNC_LOG_LEVEL: 'warn',
    ...restEnv(emulator),
    ...env,
  });
}

/** Operations in the emulator's call log that are not sync calls (REST tokens, Describes, program reads). */
const NOT_SYNC = new Set([
  'identity',
  'describeLeads',
  'describeLeads2',
  'describeOpportunities',
  'describeOpportunityRoles',
  'queryOpportunities',
  'queryOpportunityRoles',
  'getProgram',
]);

/** One entry of the emulator's call log, as the benchmarks read it. */
export interface CallEntry {
  transport?: string;
  operation: string;
  recordCount: number;
  status: string;
  durationMs?: number;
  faultCode?: number;
}

/** The emulator's call log. */
export async function callLog(url: string): Promise<CallEntry[]> {
  return (await (await fetch(`${url}/_emulator/calls`)).json()) as CallEntry[];
}

/** Sync calls (leads, objects, programs) the emulator answered without a fault. */
export function okSyncCalls(log: readonly CallEntry[]): CallEntry[] {
  return log.filter((c) => c.status === 'ok' && !NOT_SYNC.has(c.operation));
}

/** Describe requests the emulator answered. */
export function describeCalls(log: readonly CallEntry[]): number {
  return log.filter((c) => c.operation.startsWith('describe')).length;
}

/** The environment of a `mktsync worker` process draining `prefix` as fast as the emulator answers. */
export function workerEnv(
  redisUrl: string,
  endpoint: string,
  prefix: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: redisUrl,
    MKTSYNC_PREFIX: prefix,
    MARKETO_SOAP_ENDPOINT: endpoint,
    MARKETO_USER_ID: USER,
    MARKETO_ENCRYPTION_KEY: KEY,
    MKTSYNC_RATE_LIMIT: '0',
    MKTSYNC_MAX_CONCURRENT: '0',
    MKTSYNC_HTTP_PORT: '0',
    MKTSYNC_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Waits until the buffer under `prefix` holds nothing waiting and nothing in flight. */
export async function waitDrained(redis: Redis, prefix: string, timeoutMs = 600_000): Promise<void> {
  const base = `{${prefix}}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = await redis.smembers(`${base}:groups`);
    const pipeline = redis.pipeline();
    for (const g of groups) pipeline.zcard(`${base}:dirty:${g}`);
    pipeline.hlen(`${base}:inflight`);
    const counts = ((await pipeline.exec()) ?? []).map(([, v]) => Number(v));
    if (counts.every((c) => c === 0)) return;
    if (Date.now() > deadline) throw new Error(`not drained within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Deletes every key of a prefix (benchmarks share one Redis). */
export async function dropPrefix(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
