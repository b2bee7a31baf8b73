import { describe, expect, it } from 'vitest';
import type { RedisBuffer, SettleAction } from '../../src/buffer/buffer.js';
import type { BatchEntry, BatchGroup, ClaimedBatch, StoredChange } from '../../src/buffer/types.js';
import { silentLogger } from '../../src/log.js';
import {
  groupName,
  MarketoCallError,
  type CallOptions,
  type FoundId,
  type RecordResult,
  type Transport,
  type TransportCall,
  type TransportGroup,
} from '../../src/transport/contract.js';
import { BatchSender, type SendPolicy } from '../../src/worker/sender.js';

/**
 * The sender's policy against a fake transport and a fake buffer: pure logic, no Redis, no HTTP. The
 * integration tests prove the same rules over both real transports.
 */

type Answer = (call: TransportCall, options: CallOptions) => RecordResult[];

class FakeTransport implements Transport {
  readonly kind = 'rest' as const;
  readonly calls: { group: string; records: StoredChange[]; signal?: AbortSignal }[] = [];
  constructor(private readonly answers: Answer[]) {}
  reportAttempts(): void {
    // The policy under test reads no attempt reports.
  }
  maxRecords(group: TransportGroup): number {
    return group.kind === 'object' && group.type === 'Program' ? 1 : 300;
  }
  send(call: TransportCall, options: CallOptions = {}): Promise<RecordResult[]> {
    this.calls.push({
      group: groupName(call.group),
      records: [...call.records],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const answer = this.answers.shift() ?? ((c) => c.records.map(() => ok('UPDATED')));
    try {
      return Promise.resolve(answer(call, options));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  close(): void {}
}

const pauses: number[] = [];
const buffer = {
  pauseUntil: (until: number) => {
    pauses.push(until);
    return Promise.resolve(until);
  },
  stopSending: () => Promise.resolve(),
  takeToken: () => Promise.resolve(0),
} as unknown as RedisBuffer;

const policy: SendPolicy = {
  maxAttempts: 5,
  backoffBaseMs: 10,
  backoffMaxMs: 100,
  lingerMs: 0,
  rateLimit: 0,
  rateWindowMs: 5_000,
  authPauseMs: 1_000,
};

function ok(status: RecordResult['status'], id: string | null = '7'): RecordResult {
  return { status, id, code: null, category: null, message: null };
}

function entry(i: number, data: StoredChange): BatchEntry {
  return { key: `k${i}`, data, first: i, last: i, count: 1, t0: 0, attempts: 0 };
}

const leads = (n: number, extra: Record<string, string> = {}, dedup = true) =>
  Array.from({ length: n }, (_, i) =>
    entry(i, { Email: `r${i}@x.com`, attributes: i === 1 ? { ...extra } : {} }),
  ).map((e) => (dedup ? e : { ...e, key: `${e.key}#` }));

async function send(transport: Transport, group: BatchGroup, entries: BatchEntry[]) {
  const batch: ClaimedBatch = { id: 'b1', group, entries };
  return new BatchSender(transport, buffer, policy, silentLogger).send(batch);
}

const byAction = (actions: readonly SettleAction[]) =>
  actions.map((a) =>
    a.action === 'retry'
      ? `${a.key}:retry${a.burn ? '' : '-free'}${a.uncertain ? '-uncertain' : ''}`
      : `${a.key}:${a.action}:${a.outcome.status}`,
  );

describe('the sender against a fake transport', () => {
  it('a throttle pauses every worker for the retry-after (capped by the configured window), burning nothing', async () => {
    const throttle = new MarketoCallError('606', {
      category: 'throttle',
      code: '606',
      applied: 'not-applied',
      retryAfterMs: 20_000,
    });
    const t = new FakeTransport([
      () => {
        throw throttle;
      },
    ]);
    pauses.length = 0;
    const before = Date.now();
    const { actions, report } = await send(t, 'L:Email', leads(2));
    expect(byAction(actions)).toEqual(['k0:retry-free', 'k1:retry-free']);
    expect(report.throttlePauses).toBe(1);
    expect(pauses[0]! - before).toBeGreaterThanOrEqual(5_000);
    expect(pauses[0]! - before).toBeLessThan(6_000);
  });

  it('a call that may have been applied: creates INDETERMINATE, updates resent (whatever the category says)', async () => {
    const lost = () => {
      throw new MarketoCallError('502', { category: 'transient', code: '502', applied: 'indeterminate' });
    };
    const creates = await send(new FakeTransport([lost]), 'L0', leads(2, {}, false));
    expect(byAction(creates.actions)).toEqual(['k0#:dead:INDETERMINATE', 'k1#:dead:INDETERMINATE']);
    const updates = await send(new FakeTransport([lost]), 'L:Email', leads(2));
    expect(byAction(updates.actions)).toEqual(['k0:retry', 'k1:retry']);
    const notSent = () => {
      throw new MarketoCallError('refused', { category: 'indeterminate', code: null, applied: 'not-sent' });
    };
    const safe = await send(new FakeTransport([notSent]), 'L0', leads(2, {}, false));
    expect(byAction(safe.actions)).toEqual(['k0#:retry', 'k1#:retry']);
  });

  it('a whole-call fault naming a field fails the records carrying it, naming the field, and resends the rest in one call', async () => {
    const t = new FakeTransport([
      () => {
        throw new MarketoCallError('unknown fields for import: pants', {
          category: 'invalid-record',
          code: '20105',
          applied: 'not-applied',
          field: 'attributes.pants',
        });
      },
    ]);
    const { actions } = await send(t, 'L:Email', leads(3, { pants: 'y' }));
    expect(t.calls.map((c) => c.records.length)).toEqual([3, 2]);
    const dead = actions.find((a) => a.action === 'dead');
    expect(dead).toMatchObject({ key: 'k1', dead: { field: 'pants', code: 20105 } });
  });

  it('per-record results keep their category: an unknown field fails its record naming it, a transient one is retried once', async () => {
    const t = new FakeTransport([
      () => [
        ok('CREATED', '1001'),
        {
          status: 'FAILED',
          id: null,
          code: '1006',
          category: 'invalid-record',
          message: "Field 'pants' not found",
          field: 'attributes.pants',
        },
        { status: 'FAILED', id: null, code: '1029', category: 'transient', message: 'busy' },
        ok('SKIPPED', 'abc-guid'),
      ],
    ]);
    const { actions } = await send(t, 'L:Email', leads(4));
    expect(byAction(actions)).toEqual(['k0:done:CREATED', 'k1:dead:FAILED', 'k2:retry', 'k3:done:SKIPPED']);
    expect(actions[1]).toMatchObject({ dead: { field: 'pants', code: 1006 } });
    // Ids: a number when Marketo's id is one, the text otherwise (a marketoGUID).
    expect(actions[0]).toMatchObject({ outcome: { id: 1001 } });
    expect(actions[3]).toMatchObject({ outcome: { id: 'abc-guid' } });
  });

  it('records the transport settled before a failure keep their results; the failure concerns the rest', async () => {
    const t = new FakeTransport([
      () => {
        throw new MarketoCallError('reset', {
          category: 'transient',
          code: 'transport',
          applied: 'indeterminate',
          settled: [ok('CREATED'), ok('CREATED')],
        });
      },
    ]);
    const { actions } = await send(t, 'L0', leads(3, {}, false));
    expect(byAction(actions)).toEqual(['k0#:done:CREATED', 'k1#:done:CREATED', 'k2#:dead:INDETERMINATE']);
  });

  it('a record the transport names after settling others is the one failed: its index counts from the call', async () => {
    const t = new FakeTransport([
      () => {
        throw new MarketoCallError('record 2 cannot be sent', {
          category: 'invalid-record',
          code: 'bad-record',
          applied: 'not-sent',
          recordIndex: 2,
          settled: [ok('CREATED')],
        });
      },
    ]);
    const { actions } = await send(t, 'L0', leads(4, {}, false));
    expect(byAction(actions).sort()).toEqual([
      'k0#:done:CREATED',
      'k1#:done:UPDATED',
      'k2#:dead:FAILED',
      'k3#:done:UPDATED',
    ]);
    expect(t.calls.map((c) => c.records.length)).toEqual([4, 2]);
  });

  it('isolating a record fault never resends what the transport settled before a fault (L0: a duplicate)', async () => {
    const refuse = (c: TransportCall): RecordResult[] => {
      const at = c.records.findIndex((r) => 'Email' in r && r.Email === 'r30@x.com');
      if (at < 0) return c.records.map(() => ok('CREATED'));
      // Like REST cutting a call into bodies: the records before the refused body went through (the
      // first call here is refused whole).
      const settled = c.records.length === 40 ? [] : c.records.slice(0, at).map(() => ok('CREATED'));
      throw new MarketoCallError('413', {
        category: 'invalid-record',
        code: 'http:413',
        applied: 'not-applied',
        settled,
      });
    };
    const t = new FakeTransport(Array.from({ length: 30 }, () => refuse));
    const { actions } = await send(t, 'L0', leads(40, {}, false));
    const keys = actions.map((a) => a.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(40);
    expect(actions.filter((a) => a.action === 'dead').map((a) => a.key)).toEqual(['k30#']);
    const sent = t.calls.flatMap((c) => c.records);
    expect(sent.filter((r) => 'Email' in r && r.Email === 'r24@x.com')).toHaveLength(2);
  });

  it('a batch of an older release (group L, O:UPDATE) is sent one key kind, one type per call, programs one a call', async () => {
    const t = new FakeTransport([]);
    const mixed = [
      entry(0, { Email: 'a@x.com', attributes: {} }),
      entry(1, { Id: 5, attributes: {} }),
      entry(2, { Email: 'b@x.com', attributes: {} }),
      entry(3, { attributes: {} }),
    ];
    const { actions } = await send(t, 'L', mixed);
    expect(t.calls.map((c) => [c.group, c.records.length])).toEqual([
      ['L:Email', 2],
      ['L:Id', 1],
    ]);
    expect(byAction(actions)).toContain('k3:dead:FAILED');
    const objects = new FakeTransport([]);
    await send(objects, 'O:UPDATE', [
      entry(0, { type: 'Program', id: 1 }),
      entry(1, { type: 'Opportunity', externalKey: { name: 'k', value: 'v' } }),
      entry(2, { type: 'Program', id: 2 }),
    ]);
    expect(objects.calls.map((c) => [c.group, c.records.length])).toEqual([
      ['O:Program:UPDATE', 1],
      ['O:Program:UPDATE', 1],
      ['O:Opportunity:UPDATE', 1],
    ]);
  });

  it('an answer leaving records indeterminate: updates resent within MKTSYNC_MAX_ATTEMPTS, then FAILED naming the attempts', async () => {
    const maybe = (c: TransportCall): RecordResult[] =>
      c.records.map(() => ({
        status: 'FAILED',
        id: null,
        code: null,
        category: 'indeterminate',
        message: 'unexpected record status "maybe"',
      }));
    const entries = leads(2).map((e, i) => ({ ...e, attempts: i === 0 ? 0 : policy.maxAttempts - 1 }));
    const { actions } = await send(new FakeTransport([maybe]), 'L:Email', entries);
    expect(byAction(actions)).toEqual(['k0:retry', 'k1:dead:FAILED']);
    expect(actions[1]).toMatchObject({
      outcome: { attempt: 5, error: 'gave up after 5 attempts: unexpected record status "maybe"' },
      dead: { attempts: 5, code: null },
    });
  });

  it('a record Marketo could not apply gets its one more try only within MKTSYNC_MAX_ATTEMPTS', async () => {
    const busy = (c: TransportCall): RecordResult[] =>
      c.records.map(() => ({
        status: 'FAILED',
        id: null,
        code: '1029',
        category: 'transient',
        message: 'busy',
      }));
    const once = await send(new FakeTransport([busy]), 'L:Email', leads(1));
    expect(byAction(once.actions)).toEqual(['k0:retry']);
    const batch: ClaimedBatch = { id: 'b3', group: 'L:Email', entries: leads(1) };
    const single = await new BatchSender(
      new FakeTransport([busy]),
      buffer,
      { ...policy, maxAttempts: 1 },
      silentLogger,
    ).send(batch);
    expect(byAction(single.actions)).toEqual(['k0:dead:FAILED']);
  });

  it('a recovered record with no attempt left is dead-lettered without a call; a recovered create is INDETERMINATE', async () => {
    const t = new FakeTransport([]);
    const recovered = [
      { ...leads(1)[0]!, attempts: policy.maxAttempts, uncertain: 1 },
      { ...leads(2)[1]!, attempts: 1, uncertain: 1 },
    ];
    const { actions } = await send(t, 'L:Email', recovered);
    expect(byAction(actions)).toEqual(['k0:dead:FAILED', 'k1:done:UPDATED']);
    expect(t.calls.map((c) => c.records.length)).toEqual([1]);
    const creates = await send(new FakeTransport([]), 'L0', [{ ...leads(1, {}, false)[0]!, uncertain: 1 }]);
    expect(byAction(creates.actions)).toEqual(['k0#:dead:INDETERMINATE']);
  });

  it('passes the shutdown deadline to the transport as the call’s abort signal', async () => {
    const t = new FakeTransport([]);
    const abandon = new AbortController();
    const batch: ClaimedBatch = { id: 'b2', group: 'L:Email', entries: leads(1) };
    await new BatchSender(t, buffer, policy, silentLogger).send(batch, {
      stopping: new AbortController().signal,
      abandon: abandon.signal,
    });
    expect(t.calls[0]!.signal).toBe(abandon.signal);
  });
});

describe('a probable create whose answer carries no id (REST)', () => {
  class LookingUp extends FakeTransport {
    readonly lookedUp: StoredChange[][] = [];
    constructor(
      answers: Answer[],
      private readonly found: FoundId[],
    ) {
      super(answers);
    }
    findIds(call: TransportCall): Promise<FoundId[]> {
      this.lookedUp.push([...call.records]);
      return Promise.resolve(this.found.slice(0, call.records.length));
    }
  }
  const opportunity = (i: number, uncertain: number | undefined): BatchEntry => ({
    ...entry(i, {
      type: 'Opportunity',
      externalKey: { name: 'crmOpportunityId', value: `o${i}` },
      attributes: { Name: `O${i}` },
    }),
    ...(uncertain !== undefined ? { uncertain } : {}),
  });

  it('is looked up by its key: the id found is recorded, a failed lookup leaves null with why, nothing resent', async () => {
    const t = new LookingUp(
      [(c) => c.records.map(() => ok('SKIPPED', null))],
      [{ id: 'guid-0' }, { id: null, why: 'the lookup by key failed: 606 Max rate limit exceeded' }],
    );
    const { actions } = await send(t, 'O:Opportunity:INSERT', [
      opportunity(0, 1),
      opportunity(1, 1),
      opportunity(2, undefined),
    ]);
    // Only the two probable creates are looked up; the plain SKIPPED record is not.
    expect(t.lookedUp).toHaveLength(1);
    expect(t.lookedUp[0]!.map((r) => (r as { externalKey: { value: string } }).externalKey.value)).toEqual([
      'o0',
      'o1',
    ]);
    expect(t.calls).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      action: 'done',
      outcome: {
        status: 'PROBABLY_CREATED',
        id: 'guid-0',
        note: expect.stringMatching(/id looked up by its key$/) as unknown,
      },
    });
    expect(actions[1]).toMatchObject({
      action: 'done',
      outcome: {
        status: 'PROBABLY_CREATED',
        id: null,
        note: expect.stringMatching(/; no id: the lookup by key failed: 606/) as unknown,
      },
    });
    expect(actions[2]).toMatchObject({ action: 'done', outcome: { status: 'SKIPPED', id: null } });
  });
});
