import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { RedisBuffer } from '../src/buffer/buffer.js';
import { createProducer } from '../src/producer/producer.js';
import { announced, BIN, dropPrefix, freshPrefix, KEY, USER } from './harness.js';

/** A multi-instance emulator in its own process (`mktsync emulator --instances N`). */
async function multiEmulator(count: number, args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
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
      '--instances',
      String(count),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await announced(child, 'url', 'emulator');
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const names = (count: number): string[] => Array.from({ length: count }, (_, i) => `i${i + 1}`);

/** An instances file of SOAP instances i1…iN on the emulator at `url` (the key in BENCH_KEY). */
function instancesFile(url: string, count: number, extra: Record<string, unknown> = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mktsync-bench-')), 'instances.json');
  writeFileSync(
    path,
    JSON.stringify({
      instances: names(count).map((name) => ({
        name,
        transport: 'soap',
        soap: {
          endpoint: `${url}/i/${name}/soap/mktows/2_3`,
          userId: USER,
          encryptionKey: { env: 'BENCH_KEY' },
        },
        ...extra,
      })),
    }),
  );
  return path;
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts `mktsync worker` and resolves once it logged that it is ready. */
async function worker(env: NodeJS.ProcessEnv, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`worker exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"worker ready"')) ok();
    });
  });
  return child;
}

const stop = (children: readonly ChildProcess[]): Promise<unknown> =>
  Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))));

function baseEnv(
  redisUrl: string,
  prefix: string,
  file: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: redisUrl,
    MKTSYNC_PREFIX: prefix,
    MKTSYNC_INSTANCES_FILE: file,
    BENCH_KEY: KEY,
    MKTSYNC_HTTP_PORT: '0',
    MKTSYNC_RECONCILE: 'off',
    MKTSYNC_LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * Worker CPU while idle: one process serving 1 instance, 100 instances, and 100 instances without the
 * idle backoff (`--idle-poll-ms 100`, what every instance's loops would do otherwise), each measured
 * over `seconds` after a settling second.
 */
export async function benchIdleInstances(redisUrl: string, seconds: number) {
  const emulator = await multiEmulator(100, []);
  const runs: { instances: number; idlePollMs: number; cpuMsPerSec: number }[] = [];
  try {
    for (const [count, idlePollMs] of [
      [1, 1000],
      [100, 1000],
      [100, 100],
    ] as const) {
      const prefix = freshPrefix();
      const child = await worker(baseEnv(redisUrl, prefix, instancesFile(emulator.url, count)), [
        '--idle-poll-ms',
        String(idlePollMs),
      ]);
      await new Promise((r) => setTimeout(r, 1_000));
      const before = cpuSeconds(child.pid!);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const cpu = cpuSeconds(child.pid!) - before;
      await stop([child]);
      runs.push({ instances: count, idlePollMs, cpuMsPerSec: (cpu * 1000) / seconds });
    }
  } finally {
    await emulator.stop();
  }
  const one = runs[0]!.cpuMsPerSec;
  return {
    runs,
    /** CPU ms per second each idle instance beyond the first adds, with the backoff. */
    perIdleInstanceMsPerSec: (runs[1]!.cpuMsPerSec - one) / 99,
    /** The same without the backoff. */
    perIdleInstanceNoBackoffMsPerSec: (runs[2]!.cpuMsPerSec - one) / 99,
  };
}

/** Fills a backlog of `perInstance` leads in each instance of `prefix`, sending paused. */
async function fill(redis: Redis, redisUrl: string, prefix: string, count: number, perInstance: number) {
  for (const name of names(count)) {
    await redis.set(`{${prefix}:${name}}:pause`, String(Date.now() + 600_000));
    const producer = await createProducer({ url: redisUrl, prefix, instance: name });
    for (let i = 0; i < perInstance; i += 1000)
      await producer.enqueueLeads(
        Array.from({ length: Math.min(1000, perInstance - i) }, (_, j) => ({
          Email: `${name}-${i + j}@example.com`,
          attributes: { City: `c${i + j}` },
        })),
      );
    await producer.close();
  }
}

const unpause = (redis: Redis, prefix: string, count: number) =>
  Promise.all(names(count).map((n) => redis.del(`{${prefix}:${n}}:pause`)));

/** Records waiting and in flight over the instances of `prefix`, from each buffer's stats. */
async function backlog(redis: Redis, prefix: string, count: number): Promise<number> {
  let left = 0;
  for (const n of names(count)) {
    const stats = await new RedisBuffer(redis, `${prefix}:${n}`).stats();
    left += stats.waitingTotal + stats.inFlight;
  }
  return left;
}

async function drained(redis: Redis, prefix: string, count: number): Promise<void> {
  while ((await backlog(redis, prefix, count)) > 0) await new Promise((r) => setTimeout(r, 20));
}

/** Records/s and worker CPU per record, draining 8 instances with 1, 2 and 4 worker processes. */
export async function benchInstancesScaling(redisUrl: string, leads: number, counts: readonly number[]) {
  const emulator = await multiEmulator(8, ['--no-limits']);
  const redis = new Redis(redisUrl);
  const out: { workers: number; recordsPerSec: number; workerCpuMsPer1000Records: number }[] = [];
  try {
    for (const count of counts) {
      const prefix = freshPrefix();
      await fill(redis, redisUrl, prefix, 8, Math.ceil(leads / 8));
      const env = baseEnv(redisUrl, prefix, instancesFile(emulator.url, 8), {
        MKTSYNC_LINGER_MS: '50',
        MKTSYNC_RATE_LIMIT: '0',
        MKTSYNC_MAX_CONCURRENT: '0',
        MKTSYNC_LOG_LEVEL: 'info',
      });
      const children = await Promise.all(Array.from({ length: count }, () => worker(env, ['--loops', '4'])));
      // The backlog must still be whole when the clock starts (sending was paused while they started).
      const waiting = await backlog(redis, prefix, 8);
      if (waiting !== Math.ceil(leads / 8) * 8)
        throw new Error(
          `instances scaling: ${waiting} records waiting at the start, not ${Math.ceil(leads / 8) * 8}`,
        );
      const before = children.reduce((a, c) => a + cpuSeconds(c.pid!), 0);
      const t = performance.now();
      await unpause(redis, prefix, 8);
      await drained(redis, prefix, 8);
      const seconds = (performance.now() - t) / 1000;
      const cpu = children.reduce((a, c) => a + cpuSeconds(c.pid!), 0) - before;
      await stop(children);
      const records = Math.ceil(leads / 8) * 8;
      out.push({
        workers: count,
        recordsPerSec: records / seconds,
        workerCpuMsPer1000Records: (cpu * 1e6) / records,
      });
      await dropPrefix(redis, `{${prefix}:*`);
    }
  } finally {
    redis.disconnect();
    await emulator.stop();
  }
  return out;
}

/**
 * Instances at their API ceiling: `count` emulated instances with Marketo's limits (100 calls per 20 s,
 * 10 at once), each with a backlog deeper than a window can send, one worker process with each
 * instance's limiter at 100 per 20 s; calls per minute each instance got over `seconds`.
 */
export async function benchCeiling(redisUrl: string, count: number, seconds: number, rateLimit = 100) {
  const emulator = await multiEmulator(count, []);
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  try {
    // 5 calls/s × 300 leads over the window, and a margin.
    await fill(redis, redisUrl, prefix, count, Math.ceil(1_500 * (seconds + 5)));
    const env = baseEnv(redisUrl, prefix, instancesFile(emulator.url, count), {
      MKTSYNC_LINGER_MS: '0',
      MKTSYNC_QUIET_MS: '0',
      MKTSYNC_RATE_LIMIT: String(rateLimit),
      MKTSYNC_RATE_WINDOW_MS: '20000',
      MKTSYNC_MAX_CONCURRENT: '10',
    });
    const child = await worker(env);
    const stats = async () =>
      Promise.all(
        names(count).map(async (n) => {
          const body = (await (await fetch(`${emulator.url}/i/${n}/_emulator/stats`)).json()) as {
            calls: number;
          };
          return body.calls;
        }),
      );
    await unpause(redis, prefix, count);
    const before = await stats();
    const cpuBefore = cpuSeconds(child.pid!);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await stats();
    const cpu = cpuSeconds(child.pid!) - cpuBefore;
    const outcomes = new Map<string, number>();
    for (const n of names(count)) {
      const log = (await (await fetch(`${emulator.url}/i/${n}/_emulator/calls`)).json()) as {
        status: string;
        faultCode?: number;
      }[];
      for (const c of log) {
        const k = `${c.status}${c.faultCode ? ` ${c.faultCode}` : ''}`;
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
      }
    }
    if (process.env.BENCH_DEBUG) console.error('ceiling call log', [...outcomes]);
    await stop([child]);
    const perMinute = after.map((a, i) => ((a - before[i]!) * 60) / seconds);
    return {
      instances: count,
      seconds,
      callsPerMinute: perMinute,
      /** Each instance's limit: `rateLimit` calls per 20 s (Marketo's is 100). */
      ceilingPerMinute: rateLimit * 3,
      atCeiling: perMinute.filter((c) => c >= 0.95 * rateLimit * 3).length,
      workerCpuShare: cpu / seconds,
    };
  } finally {
    await dropPrefix(redis, `{${prefix}:*`);
    redis.disconnect();
    await emulator.stop();
  }
}

/**
 * Fairness: instance i1 holds a backlog of `backlogSize` changes while instance i2 receives a live
 * stream (`bursts` bursts of 50, each waited for), one worker serving both, Marketo's limits and
 * latency (log-normal, median 250 ms, p99 1.5 s) on both. i2's latency from acceptance to outcome
 * against its bound: its linger + 2 × the p99 of its own calls (from its emulator's call log).
 */
export async function benchFairness(redisUrl: string, backlogSize: number, bursts: number) {
  const emulator = await multiEmulator(2, ['--latency', 'marketo']);
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  const lingerMs = 200;
  try {
    const file = instancesFile(emulator.url, 2);
    const env = baseEnv(redisUrl, prefix, file, {
      MKTSYNC_LINGER_MS: String(lingerMs),
      MKTSYNC_RATE_LIMIT: '100',
      MKTSYNC_RATE_WINDOW_MS: '20000',
      MKTSYNC_MAX_CONCURRENT: '10',
    });
    await redis.set(`{${prefix}:i1}:pause`, String(Date.now() + 600_000));
    const a = await createProducer({ url: redisUrl, prefix, instance: 'i1' });
    for (let i = 0; i < backlogSize; i += 5_000)
      await a.enqueueLeads(
        Array.from({ length: Math.min(5_000, backlogSize - i) }, (_, j) => ({
          Email: `a-${i + j}@example.com`,
          attributes: { City: `c${i + j}` },
        })),
      );
    const child = await worker(env);
    await redis.del(`{${prefix}:i1}:pause`);
    const b = await createProducer({ url: redisUrl, prefix, instance: 'i2' });
    const latencies: number[] = [];
    for (let burst = 0; burst < bursts; burst++) {
      const sent = Date.now();
      const { accepted } = await b.enqueueLeads(
        Array.from({ length: 50 }, (_, j) => ({ Email: `b-${burst}-${j}@example.com` })),
      );
      await Promise.all(
        accepted.map(async (ref) => {
          await b.waitForOutcome(ref, { timeoutMs: 120_000, pollMs: 5 });
          latencies.push(Date.now() - sent);
        }),
      );
    }
    const aLeft = (await a.buffer.stats()).waitingTotal + (await a.buffer.stats()).inFlight;
    await stop([child]);
    await Promise.all([a.close(), b.close()]);
    const calls = (await (await fetch(`${emulator.url}/i/i2/_emulator/calls`)).json()) as {
      durationMs?: number;
      operation: string;
    }[];
    const durations = calls
      .filter((c) => c.operation === 'syncMultipleLeads' && c.durationMs !== undefined)
      .map((c) => c.durationMs!)
      .sort((x, y) => x - y);
    latencies.sort((x, y) => x - y);
    const at = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] ?? 0;
    const apiP99 = at(durations, 0.99);
    return {
      backlog: backlogSize,
      backlogLeftAtEnd: aLeft,
      bChanges: latencies.length,
      bCalls: durations.length,
      bP50Ms: at(latencies, 0.5),
      bP99Ms: at(latencies, 0.99),
      bApiP99Ms: apiP99,
      boundMs: lingerMs + 2 * apiP99,
    };
  } finally {
    await dropPrefix(redis, `{${prefix}:*`);
    redis.disconnect();
    await emulator.stop();
  }
}
