import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { createProducer } from '../../src/producer/producer.js';
import { freshPrefix } from '../helpers/pipeline.js';

describe('idempotency keys in the library', () => {
  it('writes a key once within a call, across chunks and across calls, and again once its window passed', async () => {
    const prefix = freshPrefix();
    const producer = await createProducer({
      url: inject('redisUrl'),
      prefix,
      chunkSize: 2,
      idempotencyWindowSec: 60,
    });
    const admin = new Redis(inject('redisUrl'));
    const lead = (n: number, key?: string) => ({
      Email: `k${n}@example.com`,
      dedupEnabled: false,
      ...(key ? { idempotencyKey: key } : {}),
    });
    // Positions 0 and 1 share a key in one chunk; 3 repeats 0's key in the next chunk; 2 has none.
    const first = await producer.enqueueLeads([lead(0, 'a'), lead(1, 'a'), lead(2), lead(3, 'a')]);
    const a = first.accepted[0]!;
    expect(a.replayed).toBeUndefined();
    expect(first.accepted[1]).toEqual({ index: 1, key: a.key, seq: a.seq, replayed: true });
    expect(first.accepted[2]!.replayed).toBeUndefined();
    expect(first.accepted[3]).toEqual({ index: 3, key: a.key, seq: a.seq, replayed: true });
    expect(await admin.keys(`{${prefix}}:rec:*`)).toHaveLength(2);
    // The key expires with its window.
    expect(await admin.pttl(`{${prefix}}:idem:a`)).toBeGreaterThan(50_000);
    expect(await admin.pttl(`{${prefix}}:idem:a`)).toBeLessThanOrEqual(60_000);
    const again = await producer.enqueueLeads([lead(0, 'a')]);
    expect(again.accepted[0]).toEqual({ index: 0, key: a.key, seq: a.seq, replayed: true });
    // The window passes (brought forward, so that no step above has to finish within it).
    await admin.pexpire(`{${prefix}}:idem:a`, 1);
    await new Promise((r) => setTimeout(r, 20));
    const later = await producer.enqueueLeads([lead(0, 'a')]);
    expect(later.accepted[0]!.replayed).toBeUndefined();
    expect(later.accepted[0]!.seq).toBeGreaterThan(a.seq);
    expect(await admin.keys(`{${prefix}}:rec:*`)).toHaveLength(3);
    // An unusable key is refused, naming the field.
    const bad = await producer.enqueueLeads([lead(9, 'has space')]);
    expect(bad.rejected).toEqual([
      { at: 0, field: 'idempotencyKey', reason: 'must be 1 or more visible ASCII characters (no spaces)' },
    ]);
    admin.disconnect();
    await producer.close();
  });
});
