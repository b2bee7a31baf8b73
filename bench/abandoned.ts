import { Redis } from 'ioredis';
import { createProducer, type Producer } from '../src/producer/producer.js';
import { startWorker } from '../src/worker/worker.js';
import {
  callLog,
  configure,
  dropPrefix,
  freshPrefix,
  median,
  settingsOver,
  type BenchEmulator,
  type BenchTransport,
} from './harness.js';

/** One way of running the rounds: the fault armed or not, and the abandoned-request bound. */
interface Variant {
  name: 'no-fault' | 'fault-no-bound' | 'fault-bound';
  fault: boolean;
  abandonedApplyMs: number;
}

/** What one variant measured. */
export interface AbandonedVariantFigures {
  variant: Variant['name'];
  abandonedApplyMs: number;
  rounds: number;
  /** Median ms from the first change's acceptance to the record's outcome. */
  medianLatencyMs: number;
  /** Rounds in which Marketo ended with the older value (the abandoned request landed last). */
  staleRounds: number;
}

/** The figures of one transport. */
export interface AbandonedFigures {
  transport: BenchTransport;
  responseTimeoutMs: number;
  lateApplyMs: number;
  variants: AbandonedVariantFigures[];
}

const RESPONSE_TIMEOUT_MS = 1_000;
/** The emulator applies the held request this long after it arrived: after the client gave up. */
const LATE_APPLY_MS = 2_500;
/** The bound measured: twice the hold, as a deployment sets it above Marketo's server time. */
const BOUND_MS = 5_000;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`abandoned bench: never came: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function leadFirstName(url: string, email: string): Promise<string | undefined> {
  const leads = (await (await fetch(`${url}/_emulator/leads`)).json()) as {
    Email?: string;
    attributes: Record<string, string | undefined>;
  }[];
  const lead = leads.find((l) => (l.Email ?? l.attributes.Email) === email);
  return lead?.attributes.FirstName;
}

/**
 * One round: a change to one lead, and, with the fault, the emulator holding its request past the
 * client's response timeout while a newer change to the same lead arrives. Returns the record's
 * latency and whether Marketo ended with the newer value.
 */
async function round(
  emulator: BenchEmulator,
  producer: Producer,
  round: number,
  fault: boolean,
): Promise<{ latencyMs: number; stale: boolean }> {
  const email = `abandoned${round}@example.com`;
  const before = (await callLog(emulator.url)).filter((c) => c.status === 'late-applied').length;
  if (fault) await configure(emulator.url, { faults: { failNext: { calls: 1, effect: 'apply-late' } } });
  const first = await producer.enqueueLeads({ Email: email, attributes: { FirstName: 'older' } });
  const key = first.accepted[0]!.key;
  let last = first.accepted[0]!.seq;
  if (fault) {
    await until('the held request', async () =>
      (await callLog(emulator.url)).some((c) => c.status === 'pending' && c.recordCount > 0),
    );
    const second = await producer.enqueueLeads({ Email: email, attributes: { FirstName: 'newer' } });
    last = second.accepted[0]!.seq;
  }
  await until('the outcome', async () => ((await producer.getOutcome(key))?.lastSeq ?? 0) >= last);
  if (fault)
    await until(
      'the held request applied',
      async () => (await callLog(emulator.url)).filter((c) => c.status === 'late-applied').length > before,
    );
  const outcome = (await producer.getOutcome(key))!;
  const name = await leadFirstName(emulator.url, email);
  return { latencyMs: outcome.latencyMs, stale: name !== (fault ? 'newer' : 'older') };
}

/**
 * The latency a record pays for not being resent before an abandoned request can no longer be applied
 * (`MKTSYNC_ABANDONED_APPLY_MS`), over `transport`: `rounds` single-lead changes with no fault, then
 * with the emulator applying the request after the client's response timeout (1 s) while a newer
 * change arrives, once without the bound (the old behaviour) and once with it. Medians of the outcome
 * latency, and how many rounds ended with the older value in Marketo.
 */
export async function benchAbandoned(
  redisUrl: string,
  emulator: BenchEmulator,
  rounds: number,
  transport: BenchTransport,
): Promise<AbandonedFigures> {
  const variants: Variant[] = [
    { name: 'no-fault', fault: false, abandonedApplyMs: BOUND_MS },
    { name: 'fault-no-bound', fault: true, abandonedApplyMs: 0 },
    { name: 'fault-bound', fault: true, abandonedApplyMs: BOUND_MS },
  ];
  const figures: AbandonedVariantFigures[] = [];
  const redis = new Redis(redisUrl);
  for (const variant of variants) {
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
    await configure(emulator.url, { faults: { latency: null, lateApplyMs: LATE_APPLY_MS, failNext: null } });
    const prefix = freshPrefix();
    const worker = await startWorker(
      settingsOver(redisUrl, emulator, prefix, transport, {
        MKTSYNC_RESPONSE_TIMEOUT_MS: String(RESPONSE_TIMEOUT_MS),
        MKTSYNC_LEASE_MS: '10000',
        MKTSYNC_LINGER_MS: '100',
        MKTSYNC_QUIET_MS: '0',
        MKTSYNC_ABANDONED_APPLY_MS: String(variant.abandonedApplyMs),
      }),
      { http: false },
    );
    const producer = await createProducer({ url: redisUrl, prefix, transport });
    try {
      // A warm-up round first (REST's token and Describe), not counted.
      await round(emulator, producer, -1, false);
      const latencies: number[] = [];
      let stale = 0;
      for (let i = 0; i < rounds; i++) {
        const r = await round(emulator, producer, i, variant.fault);
        latencies.push(r.latencyMs);
        if (r.stale) stale++;
      }
      figures.push({
        variant: variant.name,
        abandonedApplyMs: variant.abandonedApplyMs,
        rounds,
        medianLatencyMs: median(latencies),
        staleRounds: stale,
      });
    } finally {
      await worker.stop();
      await producer.close();
      await dropPrefix(redis, `{${prefix}}*`);
    }
  }
  redis.disconnect();
  await configure(emulator.url, { faults: { lateApplyMs: 90_000, failNext: null } });
  return { transport, responseTimeoutMs: RESPONSE_TIMEOUT_MS, lateApplyMs: LATE_APPLY_MS, variants: figures };
}
