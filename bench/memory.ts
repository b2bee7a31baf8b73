import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { BIN, dropPrefix, freshPrefix, waitDrained, workerEnv } from './harness.js';
import { fillBacklog } from './drain.js';

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** Peak RSS of a worker process draining a backlog of `changes` changes, and Redis bytes per waiting record. */
export async function benchMemory(
  redisUrl: string,
  endpoint: string,
  changes: number,
  leads: number,
  nodeOptions = '',
) {
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  const before = usedMemory(await redis.info('memory'));
  await fillBacklog(redis, prefix, changes, leads);
  const after = usedMemory(await redis.info('memory'));
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: workerEnv(redisUrl, endpoint, prefix, { NODE_OPTIONS: nodeOptions }),
    stdio: 'ignore',
  });
  const t = performance.now();
  await waitDrained(redis, prefix);
  const seconds = (performance.now() - t) / 1000;
  // VmHWM is the process's peak resident set size.
  const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
  // utime + stime in clock ticks (100 a second on Linux): what the drain cost the worker in CPU.
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  await dropPrefix(redis, `{${prefix}}*`);
  redis.disconnect();
  return {
    changes,
    leads,
    workerPeakRssMb: peakKb / 1024,
    redisBytesPerWaitingRecord: (after - before) / leads,
    drainSeconds: seconds,
    workerCpuSeconds: cpuSeconds,
  };
}
