import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedBatch } from '../../src/buffer/types.js';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import type { ReceivedLead } from '../../src/emulator/request-reader.js';
import type { LeadChange } from '../../src/producer/changes.js';
import type { SendReport } from '../../src/worker/sender.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

/** What the worker reported per batch: its records and the calls it took. */
interface BatchSeen {
  keys: string[];
  calls: number;
  retries: SendReport['retries'];
}

/** One dispatch loop, so that the order of calls is the order of batches. */
async function startRecordingWorker(env: Record<string, string> = {}): Promise<BatchSeen[]> {
  const seen: BatchSeen[] = [];
  await p.startWorker(
    {
      loops: 1,
      events: {
        onBatch(batch: ClaimedBatch, report: SendReport) {
          seen.push({ keys: batch.entries.map((e) => e.key), calls: report.calls, retries: report.retries });
        },
      },
    },
    env,
  );
  return seen;
}

const emails = (call: CallLogEntry): string[] => (call.records as ReceivedLead[]).map((r) => r.Email ?? '');
const leads = (n: number, email: (i: number) => string, attributes: (i: number) => Record<string, string>) =>
  Array.from({ length: n }, (_, i): LeadChange => ({ Email: email(i), attributes: attributes(i) }));

describe('a bad field mapping', () => {
  it('3,000 leads with an unknown attribute cost at most 2 calls per batch, all dead-lettered naming the field; 300 healthy leads behind them are not held up', async () => {
    p = await startPipeline();
    const bad = leads(
      3000,
      (i) => `bad${i}@example.com`,
      (i) => ({ City: `c${i}`, pants: 'yes' }),
    );
    expect((await p.producer.enqueueLeads(bad)).accepted).toHaveLength(3000);
    await new Promise((r) => setTimeout(r, 20));
    const healthy = leads(
      300,
      (i) => `ok${i}@example.com`,
      (i) => ({ City: `h${i}` }),
    );
    expect((await p.producer.enqueueLeads(healthy)).accepted).toHaveLength(300);
    const batches = await startRecordingWorker();
    await p.drained(300_000);

    const calls = p.f.emulator.calls.since();
    const badBatches = batches.filter((b) => b.keys.some((k) => k.startsWith('L:em:bad')));
    const perBadBatch = badBatches.map((b) => b.calls);
    expect(badBatches.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...perBadBatch), `calls per batch: ${perBadBatch.join(',')}`).toBeLessThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(2 * badBatches.length + 1);

    const dead = await p.producer.buffer.deadLetters(5000);
    expect(dead).toHaveLength(3000);
    for (const letter of dead) {
      expect(letter).toMatchObject({
        field: 'pants',
        code: 20105,
        reason: expect.stringMatching(/unknown fields for import: pants/),
      });
    }
    expect(await p.producer.getOutcome('L:em:bad7%40example.com')).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/unknown fields for import: pants/),
    });

    // The healthy leads waited behind the bad batches, and only for their own calls.
    expect(p.f.emulator.leads.size).toBe(300);
    const healthyCall = calls.findIndex(
      (c) => c.status === 'ok' && emails(c).some((e) => e.startsWith('ok')),
    );
    expect(healthyCall, 'calls made before the healthy leads were sent').toBeGreaterThanOrEqual(0);
    expect(healthyCall, 'calls made before the healthy leads were sent').toBeLessThanOrEqual(
      badBatches.length,
    );
    expect(emails(calls[healthyCall]!).filter((e) => e.startsWith('ok'))).toHaveLength(300);
  }, 300_000);

  it('a mixed batch: records carrying the refused fields fail in one step, the rest succeed in one more call', async () => {
    p = await startPipeline();
    // 300 leads: every third carries `pants`, every tenth from 1 on carries `shirt` (some carry both).
    const attributes = (i: number): Record<string, string> => ({
      City: `c${i}`,
      ...(i % 3 === 0 ? { pants: 'yes' } : {}),
      ...(i % 10 === 1 ? { shirt: 'blue' } : {}),
    });
    await p.producer.enqueueLeads(leads(300, (i) => `m${i}@example.com`, attributes));
    const batches = await startRecordingWorker();
    await p.drained(120_000);

    const carriers = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 === 0 || i % 10 === 1);
    expect(batches.map((b) => b.calls)).toEqual([2]);
    const calls = p.f.emulator.calls.since();
    expect(calls.map((c) => [c.status, c.faultCode])).toEqual([
      ['fault', 20105],
      ['ok', undefined],
    ]);
    expect(p.f.emulator.leads.size).toBe(300 - carriers.length);
    const dead = await p.producer.buffer.deadLetters(1000);
    expect(dead).toHaveLength(carriers.length);
    const fieldOf = new Map(dead.map((d) => [d.key, d.field]));
    for (const i of carriers)
      expect(fieldOf.get(`L:em:m${i}%40example.com`), `m${i}`).toBe(i % 3 === 0 ? 'pants' : 'shirt');
    expect(await p.producer.getOutcome('L:em:m2%40example.com')).toMatchObject({ status: 'CREATED' });
  }, 120_000);

  /**
   * 300 leads, those at `poison` faulting any call they are in with 20110 (a fault naming no field);
   * returns the batches one dispatch loop made, once every record is settled.
   */
  async function sendWithPoison(poison: ReadonlySet<number>, env: Record<string, string> = {}) {
    p = await startPipeline({
      faults: {
        recordRules: [
          {
            match: { attribute: { name: 'City', value: 'poison' } },
            effect: 'fault',
            code: 20110,
            message: 'Bad parameter',
          },
        ],
      },
    });
    await p.producer.enqueueLeads(
      leads(
        300,
        (i) => `s${i}@example.com`,
        (i) => ({ City: poison.has(i) ? 'poison' : `c${i}` }),
      ),
    );
    const batches = await startRecordingWorker(env);
    await p.drained(120_000);
    return batches;
  }

  /** No batch spent more than `budget` split calls; some records went back; every record settled right. */
  async function expectIsolatedWithin(batches: BatchSeen[], budget: number, poison: ReadonlySet<number>) {
    const perBatch = batches.map((b) => b.calls);
    expect(Math.max(...perBatch), `calls per batch: ${perBatch.join(',')}`).toBeLessThanOrEqual(1 + budget);
    const handedBack = batches.flatMap((b) => b.retries).filter((r) => r.category === 'split-budget');
    expect(handedBack.length).toBeGreaterThan(0);
    // Every healthy record got through, every bad one is dead-lettered with Marketo's code.
    expect(p.f.emulator.leads.size).toBe(300 - poison.size);
    const dead = await p.producer.buffer.deadLetters();
    expect(dead.map((d) => d.key).sort()).toEqual([...poison].map((i) => `L:em:s${i}%40example.com`).sort());
    for (const d of dead) expect(d.code).toBe(20110);
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => p.producer.getOutcome(`L:em:s${i}%40example.com`)),
    );
    expect(Math.max(...outcomes.map((o) => o!.attempt))).toBeGreaterThan(1);
  }

  it('when the budget is spent, the undecided records go back with an attempt burnt instead of holding the batch, and are isolated later', async () => {
    const poison = new Set([137]);
    const batches = await sendWithPoison(poison, { MKTSYNC_SPLIT_CALL_BUDGET: '6' });
    await expectIsolatedWithin(batches, 6, poison);
  }, 120_000);

  it('eight bad records that no fault names: every batch stays within the default budget and every healthy record gets through', async () => {
    const poison = new Set([5, 40, 77, 120, 160, 199, 240, 281]);
    const batches = await sendWithPoison(poison);
    await expectIsolatedWithin(batches, 20, poison);
  }, 120_000);

  it('the refused field is counted per field in /metrics, its label set bounded', async () => {
    p = await startPipeline();
    // 25 distinct unknown fields, one lead each, over the cap of 20 label values.
    await p.producer.enqueueLeads(
      leads(
        30,
        (i) => `f${i}@example.com`,
        (i) => (i < 25 ? { [`bad_field_${String(i).padStart(2, '0')}`]: 'x' } : { City: 'ok' }),
      ),
    );
    const worker = await p.startWorker({ loops: 1 });
    await p.drained(60_000);
    const text = await (await fetch(`${worker.url}/metrics`)).text();
    const series = text.split('\n').filter((l) => l.startsWith('mktsync_field_rejected_records_total{'));
    const counts = new Map(
      series.map((l) => [/field="([^"]*)"/.exec(l)![1]!, Number(l.split(' ').at(-1))] as const),
    );
    expect(counts.size).toBe(21);
    expect(counts.get('_other')).toBe(5);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(25);
    expect(p.f.emulator.leads.size).toBe(5);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text }).toString()).toBe('');
  }, 60_000);
});
