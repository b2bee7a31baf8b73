import { Redis } from 'ioredis';
import { createProducer } from '../src/producer/producer.js';
import { startWorker } from '../src/worker/worker.js';
import { configure, dropPrefix, freshPrefix, settingsFor, waitDrained } from './harness.js';
import { RedisBuffer } from '../src/buffer/buffer.js';
import { bufferedLead, leadChangeSchema } from '../src/producer/changes.js';

interface CallEntry {
  operation: string;
  recordCount: number;
  status: string;
  durationMs?: number;
}

async function calls(url: string): Promise<CallEntry[]> {
  return (await (await fetch(`${url}/_emulator/calls`)).json()) as CallEntry[];
}

/**
 * API efficiency: a live stream in which each of `leads` leads changes 5 to 20 times, arriving while a
 * worker runs (default linger), then the calls made against the minimum; and batch fill under a backlog.
 */
export async function benchEfficiency(
  redisUrl: string,
  emulator: { endpoint: string; url: string },
  leads: number,
  burstMs: number,
) {
  const redis = new Redis(redisUrl);
  // Marketo's own limits: the API is the bottleneck, as in production, so changes merge while they wait.
  await configure(emulator.url, { limits: { rateCalls: 100, concurrency: 10, dailyQuota: null } });

  // Live stream: every lead changes 5–20 times, spread over ten bursts.
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  const prefix = freshPrefix();
  const producer = await createProducer({ url: redisUrl, prefix });
  const worker = await startWorker(settingsFor(redisUrl, emulator.endpoint, prefix), { http: false });
  const plan: string[] = [];
  for (let n = 0; n < leads; n++)
    for (let k = 5 + ((n * 31) % 16); k > 0; k--) plan.push(`lead${n}@example.com`);
  // A deterministic shuffle, so that a lead's changes spread over the bursts.
  for (let i = plan.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1);
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  const perBurst = Math.ceil(plan.length / 10);
  for (let b = 0; b < 10; b++) {
    const part = plan.slice(b * perBurst, (b + 1) * perBurst);
    for (let i = 0; i < part.length; i += 500) {
      await producer.enqueueLeads(
        part
          .slice(i, i + 500)
          .map((Email, j) => ({ Email, attributes: { LeadScore: (b * 1000 + i + j) % 100 } })),
      );
    }
    await new Promise((r) => setTimeout(r, burstMs));
  }
  await waitDrained(redis, prefix);
  await worker.stop();
  await producer.close();
  const live = (await calls(emulator.url)).filter((c) => c.status === 'ok');
  await dropPrefix(redis, `{${prefix}}*`);

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
  const backlogWorker = await startWorker(settingsFor(redisUrl, emulator.endpoint, backlogPrefix), {
    http: false,
  });
  await waitDrained(redis, backlogPrefix);
  await backlogWorker.stop();
  const backlog = (await calls(emulator.url)).filter((c) => c.status === 'ok');
  await dropPrefix(redis, `{${backlogPrefix}}*`);
  redis.disconnect();
  await configure(emulator.url, { limits: { rateCalls: null, concurrency: null, dailyQuota: null } });

  const minimum = Math.ceil(leads / 300);
  const fill = (list: CallEntry[]) => list.reduce((a, c) => a + c.recordCount, 0) / (list.length * 300);
  return {
    changes: plan.length,
    leads,
    minimumCalls: minimum,
    liveCalls: live.length,
    liveCallsPerMinimum: live.length / minimum,
    backlogCalls: backlog.length,
    backlogCallsPerMinimum: backlog.length / minimum,
    backlogBatchFill: fill(backlog),
  };
}
