import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';

/**
 * The buffer's merge of list membership and program member status changes, in Lua against a real
 * Redis: the last add or remove per (list, lead) wins; the furthest status per (program, lead) wins
 * when the program's steps are kept, else the newer.
 */

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const fresh = (): RedisBuffer => new RedisBuffer(redis, `t-${randomBytes(6).toString('hex')}`);

/** ENQUEUE as the script takes it (the TypeScript check of intake's groups is not what is tested). */
async function enqueue(
  buffer: RedisBuffer,
  changes: [key: string, group: string, data: unknown][],
): Promise<void> {
  const args: (string | number)[] = [
    buffer.keys.base,
    JSON.stringify({ now: Date.now(), window: 60_000, keyed: false }),
  ];
  for (const [key, group, data] of changes) args.push(key, group, JSON.stringify(data));
  await redis.mktEnqueue(buffer.keys.seq, args);
}

async function record(buffer: RedisBuffer, key: string) {
  const [group = null, data = null, count = null] = await redis.hmget(
    buffer.keys.rec(key),
    'group',
    'data',
    'count',
  );
  const dirty = group == null ? [] : await redis.zrange(buffer.keys.dirty(group), 0, -1);
  return { group, data: JSON.parse(data ?? 'null') as unknown, count: Number(count ?? '1'), dirty };
}

const status = (s: string) => ({ programId: 1001, lead: { Id: 7 }, status: s });
const S = (s: string) => `S:1001:${s}`;
const KEY = 'S:1001:Id:7';
const STEPS = {
  'Not in Program': 0,
  Invited: 10,
  Registered: 20,
  'No Show': 30,
  Attended: 40,
  'Attended On-demand': 40,
};

describe('program member status merge', () => {
  it('keeps the furthest status when the steps are kept: a late Registered behind Attended changes nothing', async () => {
    const buffer = fresh();
    await buffer.setProgramSteps(1001, STEPS);
    await enqueue(buffer, [
      [KEY, S('Invited'), status('Invited')],
      [KEY, S('Attended'), status('Attended')],
      [KEY, S('Registered'), status('Registered')],
    ]);
    const r = await record(buffer, KEY);
    expect(r.group).toBe(S('Attended'));
    expect(r.data).toEqual(status('Attended'));
    expect(r.count).toBe(3);
    expect(r.dirty).toEqual([KEY]);
    expect(await redis.zcard(buffer.keys.dirty(S('Registered')))).toBe(0);
    expect(await redis.zcard(buffer.keys.dirty(S('Invited')))).toBe(0);
  });

  it('moves forward; at the same step the newer wins', async () => {
    const buffer = fresh();
    await buffer.setProgramSteps(1001, STEPS);
    await enqueue(buffer, [
      [KEY, S('Registered'), status('Registered')],
      [KEY, S('Attended'), status('Attended')],
      [KEY, S('Attended On-demand'), status('Attended On-demand')],
    ]);
    expect((await record(buffer, KEY)).group).toBe(S('Attended On-demand'));
  });

  it('without the steps, or with a status they lack, the newer wins (Marketo skips a move back)', async () => {
    const buffer = fresh();
    await enqueue(buffer, [
      [KEY, S('Attended'), status('Attended')],
      [KEY, S('Registered'), status('Registered')],
    ]);
    expect((await record(buffer, KEY)).group).toBe(S('Registered'));
    await buffer.setProgramSteps(1001, STEPS);
    await enqueue(buffer, [[KEY, S('Custom'), status('Custom')]]);
    expect((await record(buffer, KEY)).group).toBe(S('Custom'));
    // Steps of another program do not apply.
    const other = 'S:1002:Id:7';
    await enqueue(buffer, [
      [other, 'S:1002:Attended', { ...status('Attended'), programId: 1002 }],
      [other, 'S:1002:Registered', { ...status('Registered'), programId: 1002 }],
    ]);
    expect((await record(buffer, other)).group).toBe('S:1002:Registered');
  });

  it('without the steps, the statuses passed travel with the record (passed), bounded, for the sender to rank', async () => {
    const buffer = fresh();
    await enqueue(buffer, [
      [KEY, S('Registered'), status('Registered')],
      [KEY, S('Attended'), status('Attended')],
      [KEY, S('Registered'), status('Registered')],
      [KEY, S('Invited'), status('Invited')],
    ]);
    const r = await record(buffer, KEY);
    expect(r.group).toBe(S('Invited'));
    const { passed, ...data } = r.data as { passed: string[] };
    expect(data).toEqual(status('Invited'));
    expect(new Set(passed)).toEqual(new Set(['Registered', 'Attended']));
    // Never more than 16, however many statuses pass.
    await enqueue(
      buffer,
      Array.from({ length: 40 }, (_, i): [string, string, unknown] => [KEY, S(`s${i}`), status(`s${i}`)]),
    );
    const many = (await record(buffer, KEY)).data as { status: string; passed: string[] };
    expect(many.status).toBe('s39');
    expect(many.passed).toHaveLength(16);
    expect(many.passed).toEqual(expect.arrayContaining(['Registered', 'Attended', 'Invited']));
  });

  it('setProgramSteps replaces the kept steps', async () => {
    const buffer = fresh();
    await buffer.setProgramSteps(1001, STEPS);
    await buffer.setProgramSteps(1001, { Registered: 50, Attended: 40 });
    expect(await redis.hgetall(buffer.keys.steps(1001))).toEqual({ Registered: '50', Attended: '40' });
    expect(await redis.pttl(buffer.keys.steps(1001))).toBeGreaterThan(0);
    expect(await buffer.hasProgramSteps(1001)).toBe(true);
    expect(await buffer.hasProgramSteps(1002)).toBe(false);
  });
});

describe('list membership merge', () => {
  it('the last add or remove per (list, lead) wins, many flips included', async () => {
    const buffer = fresh();
    const key = 'M:7001:Id:7';
    const change = (action: 'ADD' | 'REMOVE'): [string, string, unknown] => [
      key,
      `M:7001:${action}`,
      { listId: 7001, lead: { Id: 7 }, action },
    ];
    const flips = Array.from({ length: 25 }, (_, i) => change(i % 2 === 0 ? 'ADD' : 'REMOVE'));
    await enqueue(buffer, flips);
    const r = await record(buffer, key);
    expect(r.group).toBe('M:7001:ADD');
    expect(r.data).toEqual({ listId: 7001, lead: { Id: 7 }, action: 'ADD' });
    expect(r.count).toBe(25);
    expect(await redis.zcard(buffer.keys.dirty('M:7001:REMOVE'))).toBe(0);
    await enqueue(buffer, [change('REMOVE')]);
    expect((await record(buffer, key)).group).toBe('M:7001:REMOVE');
    expect(await redis.zcard(buffer.keys.dirty('M:7001:ADD'))).toBe(0);
  });
});
