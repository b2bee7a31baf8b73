/**
 * Profiling aid for the drain benchmark (not part of `npm run bench`): fills the drain's backlog and
 * has mktsync workers in this process drain it, `rounds` times, printing where the CPU went: this
 * process (the workers), the emulator's process and redis-server (from `/proc`). Run it under a
 * profiler to see inside the workers:
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-drain.ts --rounds 1
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/demo/private-redis.js';
import { startWorker } from '../src/worker/worker.js';
import { fillBacklog } from './drain.js';
import { dropPrefix, emulatorProcess, freshPrefix, settingsFor, waitDrained } from './harness.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '200000' },
    leads: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
  },
});
const changes = Number(values.changes);
const leads = Number(values.leads);

/** CPU milliseconds (user + system) a process used so far, from /proc. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);
const redisServer = await startPrivateRedis(say, process.env);
const emulator = await emulatorProcess(['--no-limits']);
const redis = new Redis(redisServer.url);
const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const prefix = freshPrefix();
    await fillBacklog(redis, prefix, changes, leads, round + 1);
    const settings = settingsFor(redisServer.url, emulator.endpoint, prefix, {
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_MAX_CONCURRENT: '0',
      MKTSYNC_LINGER_MS: '50',
    });
    const cpu0 = process.cpuUsage();
    const emulator0 = processCpuMs(emulator.pid);
    const redis0 = processCpuMs(redisPid);
    const t = performance.now();
    const worker = await startWorker(settings, { http: false, loops: 8 });
    await waitDrained(redis, prefix);
    const wall = performance.now() - t;
    await worker.stop();
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `drain: ${Math.round(changes / (wall / 1000))} changes/s, wall ${wall.toFixed(0)} ms, ` +
        `worker cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ` +
        `emulator cpu ${(processCpuMs(emulator.pid) - emulator0).toFixed(0)} ms, ` +
        `redis cpu ${(processCpuMs(redisPid) - redis0).toFixed(0)} ms`,
    );
    await dropPrefix(redis, `{${prefix}}*`);
  }
} finally {
  redis.disconnect();
  await emulator.stop();
  await redisServer.stop();
}
