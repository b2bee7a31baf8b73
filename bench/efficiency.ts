import { Redis } from 'ioredis';
import { createProducer } from '../src/producer/producer.js';
import { startWorker } from '../src/worker/worker.js';
import {
  callLog,
  configure,
  describeCalls,
  dropPrefix,
  freshPrefix,
  okSyncCalls,
  settingsOver,
  waitDrained,
  type BenchEmulator,
  type BenchTransport,
  type CallEntry,
} from './harness.js';
import { RedisBuffer } from '../src/buffer/buffer.js';
import { bufferedLead, leadChangeSchema } from '../src/producer/changes.js';

/** The plan of a stream in which each of `leads` leads changes 5 to 20 times, shuffled deterministically. */
function streamPlan(leads: number): string[] {
  const plan: string[] = [];
  for (let n = 0; n < leads; n++)
    for (let k = 5 + ((n * 31) % 16); k > 0; k--) plan.push(`lead${n}@example.com`);
  for (let i = plan.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1);
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}

/** Offers `plan` in ten bursts `gapMs` apart to a running worker; returns the calls made and the stream's duration. */
async function liveStream(
  redis: Redis,
  redisUrl: string,
  emulator: BenchEmulator,
  plan: string[],
  gapMs: number,
  transport: BenchTransport,
) {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  const prefix = freshPrefix();
  const producer = await createProducer({ url: redisUrl, prefix, transport });
  const worker = await startWorker(settingsOver(redisUrl, emulator, prefix, transport), { http: false });
  const perBurst = Math.ceil(plan.length / 10);
  const started = performance.now();
  for (let b = 0; b < 10; b++) {
    const part = plan.slice(b * perBurst, (b + 1) * perBurst);
    for (let i = 0; i < part.length; i += 500) {
      await producer.enqueueLeads(
        part
          .slice(i, i + 500)
          .map((Email, j) => ({ Email, attributes: { LeadScore: (b * 1000 + i + j) % 100 } })),
      );
    }
    if (b < 9) await new Promise((r) => setTimeout(r, gapMs));
  }
  const streamMs = performance.now() - started;
  await waitDrained(redis, prefix);
  await worker.stop();
  await producer.close();
  const log = await callLog(emulator.url);
  await dropPrefix(redis, `{${prefix}}*`);
  return { calls: okSyncCalls(log).length, describes: describeCalls(log), streamMs };
}

/**
 * API efficiency over `transport`, worker at its defaults (linger 2 s, quiet 500 ms; over REST the SOAP
 * rate and concurrency limits, see `restEnv`) and the emulator at Marketo's limits:
 * a live stream in which each of `leads` leads changes 5 to 20 times, offered in ten bursts while a
 * worker runs, once with the bursts back to back and once spread over about 1.5 linger times; then the
 * same changes as a backlog, for batch fill. The minimum is distinct leads / 300, rounded up (the
 * largest lead call of both transports). Calls are the sync calls (requests, over REST) the emulator
 * answered; REST's Describe requests are counted apart.
 */
export async function benchEfficiency(
  redisUrl: string,
  emulator: BenchEmulator,
  leads: number,
  spreadGapMs: number,
  transport: BenchTransport = 'soap',
) {
  const redis = new Redis(redisUrl);
  // Marketo's own limits: the API is the bottleneck, as in production, so changes merge while they wait.
  await configure(emulator.url, { limits: { rateCalls: 100, concurrency: 10, dailyQuota: null } });
  const plan = streamPlan(leads);
  const burst = await liveStream(redis, redisUrl, emulator, plan, 0, transport);
  const spread = await liveStream(redis, redisUrl, emulator, plan, spreadGapMs, transport);

  // Backlog: the same number of changes already waiting when the worker starts.
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  const backlogPrefix = freshPrefix();
  const buffer = new RedisBuffer(redis, backlogPrefix);
  for (let i = 0; i < plan.length; i += 1000) {
    await buffer.enqueue(
      plan
        .slice(i, i + 1000)
        .map((Email, j) =>
          bufferedLead(leadChangeSchema.parse({ Email, attributes: { LeadScore: (i + j) % 100 } })),
        ),
    );
  }
  const backlogWorker = await startWorker(settingsOver(redisUrl, emulator, backlogPrefix, transport), {
    http: false,
  });
  await waitDrained(redis, backlogPrefix);
  await backlogWorker.stop();
  const backlogLog = await callLog(emulator.url);
  const backlog = okSyncCalls(backlogLog);
  await dropPrefix(redis, `{${backlogPrefix}}*`);
  redis.disconnect();
  await configure(emulator.url, { limits: { rateCalls: null, concurrency: null, dailyQuota: null } });

  const minimum = Math.ceil(leads / 300);
  const lingerMs = settingsOver(redisUrl, emulator, 'x', transport).lingerMs;
  const fill = (list: CallEntry[]) => list.reduce((a, c) => a + c.recordCount, 0) / (list.length * 300);
  return {
    transport,
    changes: plan.length,
    leads,
    minimumCalls: minimum,
    lingerMs,
    burstStreamMs: Math.round(burst.streamMs),
    burstCalls: burst.calls,
    burstCallsPerMinimum: burst.calls / minimum,
    spreadStreamMs: Math.round(spread.streamMs),
    spreadCalls: spread.calls,
    spreadCallsPerMinimum: spread.calls / minimum,
    backlogCalls: backlog.length,
    backlogCallsPerMinimum: backlog.length / minimum,
    backlogBatchFill: fill(backlog),
    describeCalls: burst.describes + spread.describes + describeCalls(backlogLog),
  };
}
