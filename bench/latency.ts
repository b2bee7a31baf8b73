import { Redis } from 'ioredis';
import { OutcomeReader } from '../src/buffer/outcome-reader.js';
import { percentile } from '../src/demo/summary.js';
import { createProducer } from '../src/producer/producer.js';
import { startWorker } from '../src/worker/worker.js';
import {
  callLog,
  configure,
  dropPrefix,
  freshPrefix,
  okSyncCalls,
  settingsOver,
  waitDrained,
  type BenchEmulator,
  type BenchTransport,
} from './harness.js';

/**
 * Acceptance → outcome latency over `transport` at half the API's limit: Marketo takes 5 calls/s × 300
 * leads = 1,500 leads/s at most, so changes to distinct leads are offered at 750/s for `seconds`,
 * against an emulator with Marketo's limits and Marketo-like latency (median 250 ms, p99 1.5 s).
 *
 * Over REST the same run counts the worker's token requests: the emulator's tokens live
 * `tokenTtlSeconds` (a few per run, instead of Marketo's 3,600 s), so the Identity requests per token
 * lifetime are what a worker makes per hour against Marketo.
 */
export async function benchLatency(
  redisUrl: string,
  emulator: BenchEmulator,
  seconds: number,
  transport: BenchTransport = 'soap',
  tokenTtlSeconds = seconds / 4,
) {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  await configure(emulator.url, {
    limits: { rateCalls: 100, concurrency: 10, dailyQuota: null },
    faults: { latency: { medianMs: 250, p99Ms: 1500 } },
    ...(transport === 'rest' ? { rest: { tokenTtlSeconds } } : {}),
  });
  // A token issued before (the reset keeps tokens) would outlive the run: this run starts without one.
  if (transport === 'rest') await fetch(`${emulator.url}/_emulator/rest/expire-token`, { method: 'POST' });
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  const settings = settingsOver(redisUrl, emulator, prefix, transport);
  const worker = await startWorker(settings, { http: false });
  const producer = await createProducer({ url: redisUrl, prefix, transport });
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
  const runSeconds = (performance.now() - start) / 1000;
  await worker.stop();
  await producer.close();
  const outcomes = await OutcomeReader.of(redis, prefix).all();
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const log = await callLog(emulator.url);
  const calls = okSyncCalls(log);
  const apiDurations = calls.map((c) => c.durationMs ?? 0).sort((a, b) => a - b);
  await dropPrefix(redis, `{${prefix}}*`);
  redis.disconnect();
  await configure(emulator.url, {
    limits: { rateCalls: null, concurrency: null, dailyQuota: null },
    faults: { latency: null },
    ...(transport === 'rest' ? { rest: { tokenTtlSeconds: 3600 } } : {}),
  });
  const tokens =
    transport === 'rest'
      ? (() => {
          const tokenRequests = log.filter((c) => c.operation === 'identity').length;
          // 602 and 601 answers: a token Marketo saw expire before the worker renewed it.
          const expiredAnswers = log.filter((c) => c.faultCode === 601 || c.faultCode === 602).length;
          const lifetimes = runSeconds / tokenTtlSeconds;
          return {
            tokenTtlSeconds,
            runSeconds: Math.round(runSeconds * 10) / 10,
            tokenRequests,
            expiredAnswers,
            tokenRequestsPerLifetime: tokenRequests / lifetimes,
            // Marketo's tokens live 3,600 s: requests per lifetime are requests per hour.
            tokenRequestsPerWorkerHour: tokenRequests / lifetimes,
          };
        })()
      : undefined;
  return {
    transport,
    offeredPerSec: perTick * 10,
    records: outcomes.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    apiP99Ms: percentile(apiDurations, 99),
    lingerMs: settings.lingerMs,
    calls: calls.length,
    ...(tokens ? { tokens } : {}),
  };
}
