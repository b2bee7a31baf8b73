import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer, type BufferedChange, type ClaimLimits } from '../../src/buffer/buffer.js';
import { validateLeads } from '../../src/producer/changes.js';
import { seededRandom } from '../helpers/seeded.js';

/**
 * A lead's change that merges into a record pending in the same group waits in the record's `more`
 * field and is merged when the record is read (common.lua). What a batch carries must be exactly what
 * merging every change at once gave: attribute by attribute, the newest wins.
 */

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const limits: ClaimLimits = {
  maxBatch: 300,
  lingerMs: 0,
  maxConcurrent: 0,
  rateMax: 0,
  rateWindowMs: 20_000,
  leaseMs: 60_000,
  flush: true,
};

/** A buffer on a fresh prefix where a worker of this release has started (it allows the wait). */
async function workedBuffer(): Promise<RedisBuffer> {
  const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
  await buffer.allowMergeWait();
  return buffer;
}

function lead(input: unknown): BufferedChange {
  const validated = validateLeads([input]);
  if (validated.valid.length !== 1) throw new Error(JSON.stringify(validated.problems));
  return validated.valid[0]!.change;
}

// What merging each change at once gives: attributes by name, the newest wins; other fields replaced.
type Stored = { attributes: Record<string, string>; [field: string]: unknown };
function model(changes: readonly BufferedChange[]): Map<string, { data: Stored; count: number }> {
  const out = new Map<string, { data: Stored; count: number }>();
  for (const c of changes) {
    const data = structuredClone(c.data) as Stored;
    const cur = out.get(c.key);
    if (!cur) out.set(c.key, { data, count: 1 });
    else {
      for (const [k, v] of Object.entries(data)) {
        if (k === 'attributes') Object.assign(cur.data.attributes, v);
        else cur.data[k] = v;
      }
      cur.count += 1;
    }
  }
  return out;
}

describe("a lead's merging changes wait in the record and are merged when it is read", () => {
  it('two changes to one lead: the second waits; the batch carries both merged', async () => {
    const buffer = await workedBuffer();
    await buffer.enqueue([lead({ Email: 'w@x.com', attributes: { City: 'Bonn', Score: 1 } })]);
    await buffer.enqueue([lead({ Email: 'w@x.com', attributes: { City: 'Köln\nNord', Note: 'n' } })]);
    const rec = buffer.keys.rec('L:em:w%40x.com');
    expect(JSON.parse((await redis.hget(rec, 'base'))!)).toMatchObject({ attributes: { City: 'Bonn' } });
    // No `data`: a script of an older release, which reads only `data`, fails on the record loudly
    // (as its CLAIM would, decoding it) instead of sending the lead without its waiting change.
    expect(await redis.hexists(rec, 'data')).toBe(0);
    await expect(
      redis.eval(`return cjson.decode(redis.call('HGET', KEYS[1], 'data'))`, 1, rec),
    ).rejects.toThrow();
    expect(await redis.hget(rec, 'more')).toMatch(/Köln\\nNord.*\n$/);
    const batch = await buffer.claim('L:Email', limits);
    if (!('entries' in batch)) throw new Error(JSON.stringify(batch));
    expect(batch.entries).toHaveLength(1);
    expect(batch.entries[0]!.data).toEqual({
      Email: 'w@x.com',
      attributes: { City: 'Köln\nNord', Score: '1', Note: 'n' },
    });
    expect(batch.entries[0]!.count).toBe(2);
  });

  it('no worker of this release has started on the prefix: every change is merged at once', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    await buffer.enqueue([lead({ Email: 'o@x.com', attributes: { City: 'Bonn' } })]);
    await buffer.enqueue([lead({ Email: 'o@x.com', attributes: { Note: 'n' } })]);
    const rec = buffer.keys.rec('L:em:o%40x.com');
    expect(await redis.hexists(rec, 'more')).toBe(0);
    expect(JSON.parse((await redis.hget(rec, 'data'))!)).toEqual({
      Email: 'o@x.com',
      attributes: { City: 'Bonn', Note: 'n' },
    });
  });

  it.each([1, 2, 3])(
    'seed %i: 3,000 changes to 20 leads in calls of 1 to 60, a retry put back midway: every batch as if merged at once',
    async (seed) => {
      const buffer = await workedBuffer();
      const next = seededRandom(seed * 7919);
      const changes: BufferedChange[] = [];
      for (let i = 0; i < 3_000; i++) {
        const attributes: Record<string, string | number> = {};
        for (const name of ['City', 'Score', 'Note', 'Title', 'Zip']) {
          if (next() < 0.4) attributes[name] = next() < 0.1 ? `line\n${i} "q" ✓` : `${name}-${i}`;
        }
        changes.push(lead({ Email: `lead${Math.floor(next() * 20)}@x.com`, attributes }));
      }
      let sent = 0;
      let putBack = false;
      let longestMore = 0;
      while (sent < changes.length) {
        const size = 1 + Math.floor(next() * 60);
        await buffer.enqueue(changes.slice(sent, sent + size));
        sent += size;
        for (let n = 0; n < 20; n++) {
          longestMore = Math.max(
            longestMore,
            await redis.hstrlen(buffer.keys.rec(`L:em:lead${n}%40x.com`), 'more'),
          );
        }
        if (!putBack && sent > 1_500) {
          // A batch claimed midway and retried after newer changes arrived: it goes back under them.
          const batch = await buffer.claim('L:Email', limits);
          if (!('entries' in batch)) throw new Error(JSON.stringify(batch));
          await buffer.enqueue(changes.slice(sent, sent + 200));
          sent += 200;
          const now = Date.now();
          const actions = batch.entries.map((e) => ({
            key: e.key,
            action: 'retry' as const,
            score: now,
            burn: true,
          }));
          expect(await buffer.settle(batch.id, actions, 60, 100, now)).toBe(true);
          putBack = true;
        }
      }
      // Bounded: a lead's waiting changes never pass 4 KB; beyond that the merge is done at once.
      expect(longestMore).toBeGreaterThan(1_000);
      expect(longestMore).toBeLessThanOrEqual(4_096);
      const batch = await buffer.claim('L:Email', limits);
      if (!('entries' in batch)) throw new Error(JSON.stringify(batch));
      const expected = model(changes);
      expect(batch.entries).toHaveLength(expected.size);
      for (const e of batch.entries) {
        expect(e.data, e.key).toEqual(expected.get(e.key)!.data);
        expect(e.count, e.key).toBe(expected.get(e.key)!.count);
      }
    },
  );

  it('a dead letter and a batch whose lease ran out keep the merged data, not the first change', async () => {
    const buffer = await workedBuffer();
    const now = Date.now();
    for (const city of ['A', 'B', 'C']) {
      await buffer.enqueue([lead({ Email: 'd@x.com', attributes: { City: city, [`K${city}`]: 1 } })], now);
    }
    const batch = await buffer.claim('L:Email', limits, now);
    if (!('entries' in batch)) throw new Error(JSON.stringify(batch));
    const key = 'L:em:d%40x.com';
    const outcome = {
      key,
      status: 'FAILED' as const,
      id: null,
      error: 'bad',
      batch: batch.id,
      attempt: 1,
      firstSeq: 1,
      lastSeq: 5,
      changes: 3,
      latencyMs: 0,
      at: now,
    };
    expect(
      await buffer.settle(
        batch.id,
        [{ key, action: 'dead', outcome, dead: { key, reason: 'bad', code: null, attempts: 1, at: now } }],
        60,
        100,
        now,
      ),
    ).toBe(true);
    const [dead] = await buffer.deadLetters();
    expect(dead!.entry.data).toEqual({
      Email: 'd@x.com',
      attributes: { City: 'C', KA: '1', KB: '1', KC: '1' },
    });

    // A batch never settled: its lease runs out and its record is put back, merged.
    const other = await workedBuffer();
    for (const city of ['A', 'B', 'C']) {
      await other.enqueue([lead({ Email: 's@x.com', attributes: { City: city, [`K${city}`]: 2 } })], now);
    }
    expect('entries' in (await other.claim('L:Email', limits, now))).toBe(true);
    expect(await other.sweep(now + limits.leaseMs + 1, 10)).toBe(1);
    const again = await other.claim('L:Email', limits, now + limits.leaseMs + 2);
    if (!('entries' in again)) throw new Error(JSON.stringify(again));
    expect(again.entries.map((e) => e.data)).toEqual([
      { Email: 's@x.com', attributes: { City: 'C', KA: '2', KB: '2', KC: '2' } },
    ]);
  });
});
