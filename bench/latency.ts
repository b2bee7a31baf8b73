import { Redis } from 'ioredis';
import { readAllOutcomes } from '../src/demo/read-outcomes.js';
import { percentile } from '../src/demo/summary.js';
import { bufferKeys } from '../src/buffer/keys.js';
import { createProducer } from '../src/producer/producer.js';
import { startWorker } from '../src/worker/worker.js';
import { configure, dropPrefix, freshPrefix, settingsFor, waitDrained } from './harness.js';

/**
 * Acceptance → outcome latency at half the API's limit: Marketo takes 5 calls/s × 300 leads = 1,500
 * leads/s at most, so changes to distinct leads are offered at 750/s for `seconds`, against an
 * emulator with Marketo's limits and Marketo-like latency (median 250 ms, p99 1.5 s).
 */
export async function benchLatency(
  redisUrl: string,
  emulator: { endpoint: string; url: string },
  seconds: number,
) {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  await configure(emulator.url, {
    limits: { rateCalls: 100, concurrency: 10, dailyQuota: null },
    faults: { latency: { medianMs: 250, p99Ms: 1500 } },
  });
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  const settings = settingsFor(redisUrl, emulator.endpoint, prefix);
  const worker = await startWorker(settings, { http: false });
  const producer = await createProducer({ url: redisUrl, prefix });
  const perTick = 75; // every 100 ms: 750 changes/s
  const ticks = Math.round(seconds * 10);
  const start = performance.now();
  for (let t = 0; t < ticks; t++) {
    await producer.enqueueLeads(
      Array.from({ length: perTick }, (_, i) => ({
        Email: `lat${t * perTick + i}@example.com`,
        attributes: { LeadScore: i },
      })),
    );
    const wait = start + (t + 1) * 100 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await waitDrained(redis, prefix);
  await worker.stop();
  await producer.close();
  const outcomes = await readAllOutcomes(redis, bufferKeys(prefix));
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const calls = (
    (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
      status: string;
      durationMs: number;
    }[]
  ).filter((c) => c.status === 'ok');
  const apiDurations = calls.map((c) => c.durationMs).sort((a, b) => a - b);
  await dropPrefix(redis, `{${prefix}}*`);
  redis.disconnect();
  await configure(emulator.url, {
    limits: { rateCalls: null, concurrency: null, dailyQuota: null },
    faults: { latency: null },
  });
  return {
    offeredPerSec: perTick * 10,
    records: outcomes.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    apiP99Ms: percentile(apiDurations, 99),
    lingerMs: settings.lingerMs,
    calls: calls.length,
  };
}
