/**
 * Profiling aid for the ingest benchmark (not part of `npm run bench`): runs one of its paths alone,
 * `rounds` times, so that a profiler sees only that path. Redis's CPU per path is read from
 * `INFO commandstats` and `/proc`, the process's own CPU from `process.cpuUsage()`. Paths: `http` (the
 * server in this process, driven by `fetch`: the benchmark's old way), `deployed` (`mktsync ingest` in
 * its own process, as the benchmark's target measures it; its CPU is printed apart), `library`,
 * `bullmq`.
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-ingest.ts --path http --callers 1
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/demo/private-redis.js';
import { startIngestServer } from '../src/producer/ingest-server.js';
import { bufferKeys } from '../src/buffer/keys.js';
import { createProducer } from '../src/producer/producer.js';
import { dropPrefix, freshPrefix } from './harness.js';
import { ingestPayloads, INGEST_CHUNK } from './ingest.js';
import { ingestProcess, type IngestProcess } from './ingest-process.js';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: 'http' },
    callers: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    n: { type: 'string', default: '100000' },
    // Node options for the deployed server's process, e.g. --server-node-args='--cpu-prof --cpu-prof-dir=/tmp/p'.
    'server-node-args': { type: 'string', default: '' },
  },
});
const n = Number(values.n);
const callers = Number(values.callers);
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const redisServer = await startPrivateRedis(say, process.env);
const redis = new Redis(redisServer.url);
const changes = ingestPayloads(n);
const chunks = [];
for (let i = 0; i < n; i += INGEST_CHUNK) chunks.push(changes.slice(i, i + INGEST_CHUNK));
const bodies = chunks.map((c) => JSON.stringify(c));

async function timed<T>(items: T[], send: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < items.length) await send(items[next++]!);
    }),
  );
  return performance.now() - t;
}

/** CPU seconds (user + system) a process used so far, from /proc. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function redisUsec(info: string): number {
  let total = 0;
  for (const m of info.matchAll(/cmdstat_\w+:calls=\d+,usec=(\d+)/g)) total += Number(m[1]);
  return total;
}

// The deployed server: one process for every round (warmed with 20 bodies), its keys dropped after each.
const deployedPrefix = freshPrefix();
let deployed: IngestProcess | undefined;
if (values.path === 'deployed') {
  const nodeArgs = values['server-node-args'].split(' ').filter((a) => a !== '');
  deployed = await ingestProcess(redisServer.url, deployedPrefix, callers, nodeArgs);
  for (const body of bodies.slice(0, 20)) await deployed.postLeads(body);
  await dropPrefix(redis, `{${deployedPrefix}}*`);
}

for (let round = 0; round < Number(values.rounds); round++) {
  const prefix = deployed ? deployedPrefix : freshPrefix();
  // As a deployment's workers mark their prefix when they start (see bench/ingest.ts).
  await redis.set(bufferKeys(prefix).mergeWait, '1');
  const serverCpu0 = deployed ? processCpuMs(deployed.pid) : 0;
  await redis.config('RESETSTAT');
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
  const redisCpu0 = processCpuMs(redisPid);
  const cpu0 = process.cpuUsage();
  let ms: number;
  if (values.path === 'http') {
    const producer = await createProducer({ url: redisServer.url, prefix });
    const server = await startIngestServer({ producer, authDisabled: true, maxBodyBytes: 50 * 1024 * 1024 });
    ms = await timed(bodies, async (body) => {
      const response = await fetch(`${server.url}/v1/leads`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      await response.arrayBuffer();
    });
    await server.close();
    await producer.close();
  } else if (deployed) {
    const server = deployed;
    ms = await timed(bodies, (body) => server.postLeads(body));
  } else if (values.path === 'library') {
    const producer = await createProducer({ url: redisServer.url, prefix });
    ms = await timed(chunks, async (chunk) => {
      await producer.enqueueLeads(chunk);
    });
    await producer.close();
  } else {
    const connection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    const queue = new Queue(prefix, { connection });
    ms = await timed(chunks, async (chunk) => {
      await queue.addBulk(chunk.map((data) => ({ name: 'change', data })));
    });
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
  const cpu = process.cpuUsage(cpu0);
  const redisMs = redisUsec(await redis.info('commandstats')) / 1000;
  const redisCpu = processCpuMs(redisPid) - redisCpu0;
  say(
    `${values.path} ×${callers}: ${Math.round(n / (ms / 1000))} changes/s, wall ${ms.toFixed(0)} ms, ` +
      `node cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ` +
      (deployed ? `ingest process cpu ${(processCpuMs(deployed.pid) - serverCpu0).toFixed(0)} ms, ` : '') +
      `redis commands ${redisMs.toFixed(0)} ms, redis cpu ${redisCpu.toFixed(0)} ms`,
  );
  await dropPrefix(redis, `{${prefix}}*`);
}
await deployed?.stop();
redis.disconnect();
await redisServer.stop();
