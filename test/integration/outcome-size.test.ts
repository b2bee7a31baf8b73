import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * Issue 10 item 8: the Redis cost of an outcome that docs/operations.md states is the measured one.
 * Measured with MEMORY USAGE: the record's outcome key, plus the outcome stream over its length.
 */
let p: PipelineFixture;
beforeAll(async () => {
  p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0' });
});
afterAll(() => p.close());

const OPERATIONS = resolve(import.meta.dirname, '../../docs/operations.md');

describe('the Redis cost of an outcome', () => {
  it('is what docs/operations.md says, within 15 %', async () => {
    const n = 500;
    const { accepted } = await p.producer.enqueueLeads(
      Array.from({ length: n }, (_, i) => ({
        Email: `person${i}@example.com`,
        attributes: { FirstName: `P${i}`, LeadScore: i % 100 },
      })),
    );
    await p.startWorker({ http: false });
    await p.drained();
    let keys = 0;
    for (const a of accepted)
      keys += Number(
        await p.redis.call('MEMORY', 'USAGE', p.producer.buffer.keys.outcome(a.key), 'SAMPLES', '0'),
      );
    const stream = Number(
      await p.redis.call('MEMORY', 'USAGE', p.producer.buffer.keys.outcomes, 'SAMPLES', '0'),
    );
    expect(await p.redis.xlen(p.producer.buffer.keys.outcomes)).toBe(n);
    const measured = keys / n + stream / n;
    const documented = Number(
      /outcomes cost about (\d+) bytes per record/.exec(readFileSync(OPERATIONS, 'utf8'))?.[1],
    );
    process.stdout.write(
      `outcome: ${Math.round(keys / n)} B key + ${Math.round(stream / n)} B stream entry\n`,
    );
    expect(Math.abs(measured - documented) / documented).toBeLessThan(0.15);
  });
});
