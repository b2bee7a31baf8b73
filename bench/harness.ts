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

/** An emulator in its own process, so that it never shares a core's event loop with what is measured. */
export async function emulatorProcess(
  args: string[] = [],
): Promise<{ endpoint: string; url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'emulator', '--port', '0', '--user-id', USER, '--encryption-key', KEY, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const endpoint = await new Promise<string>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`emulator exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { endpoint?: string };
        if (parsed.endpoint) ok(parsed.endpoint);
      } catch {
        /* not a log line */
      }
    });
  });
  return {
    endpoint,
    url: endpoint.replace(/\/soap\/.*/, ''),
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
