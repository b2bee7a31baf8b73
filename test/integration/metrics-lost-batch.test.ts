import { afterEach, describe, expect, it } from 'vitest';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

/** The sum of a metric's samples over all its labels. */
const total = (text: string, name: string): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);

describe('metrics of a lost batch', () => {
  it('a batch whose settle answers lost is not counted: its records are counted once, when they settle', async () => {
    p = await startPipeline({ faults: { latency: { fixedMs: 600 } } });
    const { accepted } = await p.producer.enqueueLeads(
      Array.from({ length: 10 }, (_, i) => ({ Email: `lost${i}@example.com`, attributes: { City: 'x' } })),
    );
    const batches: boolean[] = [];
    const worker = await p.startWorker({
      events: { onBatch: (_batch, _report, _actions, _ms, lost) => batches.push(lost) },
    });
    // While the call is in flight, its lease is taken as expired (as when a worker stalls past it):
    // the sweeper puts the records back, another loop sends them again, the first settle is lost.
    for (let i = 0; i < 200 && !p.f.emulator.calls.since().some((c) => c.status === 'pending'); i++)
      await new Promise((r) => setTimeout(r, 10));
    const { keys } = p.producer.buffer;
    const [batchId] = await p.redis.zrange(keys.leases, 0, 0);
    await p.redis.zadd(keys.leases, 1, batchId!);
    expect(await p.producer.buffer.sweep()).toBe(1);
    for (let i = 0; i < 400 && batches.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await p.drained();
    expect(batches.sort()).toEqual([false, true]);
    for (const a of accepted) expect((await p.producer.getOutcome(a.key))?.status).toBe('UPDATED');
    const text = await (await fetch(`${worker.url}/metrics`)).text();
    expect(total(text, 'mktsync_outcomes_total')).toBe(10);
    expect(total(text, 'mktsync_outcome_latency_seconds_count')).toBe(10);
  });
});
