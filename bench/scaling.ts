import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { BIN, dropPrefix, freshPrefix, waitDrained, workerEnv } from './harness.js';
import { fillBacklog } from './drain.js';

/** Records/s draining the same backlog with 1, 2 and 4 worker processes. */
export async function benchScaling(
  redisUrl: string,
  endpoint: string,
  changes: number,
  leads: number,
  counts = [1, 2, 4],
) {
  const redis = new Redis(redisUrl);
  const out: { workers: number; recordsPerSec: number; changesPerSec: number }[] = [];
  for (const count of counts) {
    const prefix = freshPrefix();
    await fillBacklog(redis, prefix, changes, leads, count);
    const env = workerEnv(redisUrl, endpoint, prefix, { MKTSYNC_LINGER_MS: '50' });
    // Start the processes first and time only the drain: start-up is not throughput.
    await redis.set(`{${prefix}}:pause`, String(Date.now() + 60_000));
    const children: ChildProcess[] = Array.from({ length: count }, () =>
      spawn(process.execPath, [BIN, 'worker'], { env, stdio: 'ignore' }),
    );
    await new Promise((r) => setTimeout(r, 2500));
    await redis.del(`{${prefix}}:pause`);
    const t = performance.now();
    await waitDrained(redis, prefix);
    const seconds = (performance.now() - t) / 1000;
    await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))));
    out.push({ workers: count, recordsPerSec: leads / seconds, changesPerSec: changes / seconds });
    await dropPrefix(redis, `{${prefix}}*`);
  }
  redis.disconnect();
  return out;
}
