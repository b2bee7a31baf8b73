import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { readWorkerSettings } from '../../src/config.js';
import type { EmulatorFixture } from '../helpers/emulator.js';
import { startFixture } from '../helpers/emulator.js';
import { createProducer, type EnqueueResult, type Producer } from '../../src/producer/producer.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { startCli } from '../helpers/cli.js';
import {
  freshPrefix,
  startPipeline,
  TEST_REST_CLIENT,
  transportEnv,
  type PipelineFixture,
} from '../helpers/pipeline.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';

/**
 * The member groups (custom activities, custom objects, list membership, program member status) under the
 * faults the lead and object groups are tested under: a Redis Cluster with two workers, and a worker killed
 * (SIGKILL) while its activity call is in flight.
 */

let cluster: RedisCluster | undefined;
let f: EmulatorFixture | undefined;
let producer: Producer | undefined;
let workers: Worker[] = [];
let p: PipelineFixture | undefined;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await producer?.close();
  producer = undefined;
  await f?.close();
  f = undefined;
  await p?.close();
  p = undefined;
});
afterAll(async () => {
  await cluster?.stop();
});

const activity = (lead: { Email: string } | { Id: number }, n: number) => ({
  lead,
  activityType: 'trialStarted',
  activityDate: `2026-12-07T05:${String(n % 60).padStart(2, '0')}:${String(Math.floor(n / 60) % 60).padStart(2, '0')}Z`,
  primaryAttributeValue: `event-${n}`,
});

/** Every change accepted (nothing refused), for the outcome check. */
function accepted(result: EnqueueResult): EnqueueResult['accepted'] {
  expect(result.rejected).toEqual([]);
  return result.accepted;
}

/** Waits until nothing waits and nothing is in flight in `producer`'s buffer. */
async function drained(of: Producer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await of.buffer.stats();
    if (stats.waitingTotal === 0 && stats.inFlight === 0) return;
    if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(stats)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the member groups on a Redis Cluster (three masters), two workers', () => {
  it('leads, their activities, list flips, statuses and custom objects in one stream end as written', async () => {
    f = await startFixture({
      limits: { rateCalls: null, concurrency: null, dailyQuota: null },
      rest: { ...TEST_REST_CLIENT },
    });
    const prefix = freshPrefix();
    producer = await createProducer({ clusterNodes: cluster!.nodes, prefix, transport: 'rest' });
    const n = 60;
    const email = (i: number) => `mg${i}@example.com`;
    const refs = [
      // New leads, and in the same stream what hangs on them, named by email.
      ...accepted(
        await producer.enqueueLeads(
          Array.from({ length: n }, (_, i) => ({ Email: email(i), attributes: { FirstName: `M${i}` } })),
        ),
      ),
      ...accepted(
        await producer.enqueueActivities(
          Array.from({ length: 3 * n }, (_, k) => activity({ Email: email(k % n) }, k)),
        ),
      ),
    ];
    // Flips: the even leads end in list 7001, the odd ones out of it; everyone ends Attended.
    for (const round of [0, 1, 2])
      refs.push(
        ...accepted(
          await producer.enqueueMemberships(
            Array.from({ length: n }, (_, i) => ({
              listId: 7001,
              lead: { Email: email(i) },
              action: round === 1 || (round === 2 && i % 2 === 1) ? ('REMOVE' as const) : ('ADD' as const),
            })),
          ),
        ),
      );
    for (const status of ['Registered', 'Attended', 'Registered'])
      refs.push(
        ...accepted(
          await producer.enqueueMemberships(
            Array.from({ length: n }, (_, i) => ({ programId: 1001, lead: { Email: email(i) }, status })),
          ),
        ),
      );
    refs.push(
      ...accepted(
        await producer.enqueueMObjects(
          Array.from({ length: n }, (_, i) => ({
            apiName: 'subscription_c',
            operation: 'UPSERT' as const,
            keys: { subscriptionId: `SUB-${i}` },
            attributes: { plan: 'pro', seats: i + 1 },
            lead: { Email: email(i) },
          })),
        ),
      ),
    );
    const settings = readWorkerSettings({
      REDIS_CLUSTER_NODES: cluster!.nodes.join(','),
      MKTSYNC_PREFIX: prefix,
      ...transportEnv(f, 'rest'),
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
    });
    workers = [await startWorker(settings, { http: false }), await startWorker(settings, { http: false })];
    await drained(producer, 120_000);

    const ids = new Map(
      f.emulator.leads.all().map((l) => [(l.Email ?? String(l.attributes.Email)).toLowerCase(), l.id]),
    );
    expect(ids.size).toBe(n);
    // Every activity once, on the lead its email names.
    const logged = f.emulator.activities.all();
    expect(logged).toHaveLength(3 * n);
    for (let k = 0; k < 3 * n; k++) {
      const found = logged.filter((a) => a.primaryAttributeValue === `event-${k}`);
      expect(
        found.map((a) => a.leadId),
        `event-${k}`,
      ).toEqual([ids.get(email(k % n))]);
    }
    const { lists, programs } = f.emulator.memberships.view();
    const evens = Array.from({ length: n }, (_, i) => i)
      .filter((i) => i % 2 === 0)
      .map((i) => ids.get(email(i)));
    expect(lists.find((l) => l.id === 7001)!.members.sort()).toEqual(evens.sort());
    const members = programs.find((pr) => pr.id === 1001)!.members;
    expect(members).toHaveLength(n);
    expect(new Set(members.map((m) => m.status))).toEqual(new Set(['Attended']));
    const subscriptions = f.emulator.customObjects.list('subscription_c');
    expect(subscriptions).toHaveLength(n);
    expect(new Set(subscriptions.map((s) => s.fields.leadEmail))).toEqual(
      new Set(Array.from({ length: n }, (_, i) => email(i))),
    );
    // Every change has its outcome, and none was dead-lettered.
    for (const ref of refs)
      expect((await producer.getOutcome(ref.key))!.lastSeq).toBeGreaterThanOrEqual(ref.seq);
    expect(await producer.buffer.deadLetters()).toEqual([]);
  });
});

describe('a worker killed (SIGKILL) while its custom activity call is in flight', () => {
  it('another worker settles its batch: every activity logged once, every membership as written', async () => {
    p = await startPipeline({ faults: { latency: { fixedMs: 600 } } }, {}, 'rest');
    const leads = Array.from({ length: 20 }, (_, i) =>
      p!.f.emulator.leads.create({ Email: `k${i}@example.com` }),
    );
    const refs = [
      ...accepted(
        await p.producer.enqueueActivities(
          Array.from({ length: 400 }, (_, k) => activity({ Id: leads[k % 20]!.id }, k)),
        ),
      ),
      ...accepted(
        await p.producer.enqueueMemberships(
          leads.map((l) => ({ listId: 7002, lead: { Id: l.id }, action: 'ADD' as const })),
        ),
      ),
    ];
    const doomed = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      ...transportEnv(p.f, 'rest'),
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '1000',
      MKTSYNC_LEASE_MS: '1500',
      MKTSYNC_ABANDONED_APPLY_MS: '0',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LOG_LEVEL: 'info',
    });
    stops.push(doomed.stop);
    const inFlight = () =>
      p!.f.emulator.calls
        .since()
        .some((c) => c.operation === 'addCustomActivities' && c.status === 'pending');
    for (let i = 0; i < 500 && !inFlight(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(inFlight()).toBe(true);
    doomed.child.kill('SIGKILL');
    await p.startWorker();
    await p.drained(120_000);

    const counts = new Map<string, number>();
    for (const a of p.f.emulator.activities.all())
      counts.set(a.primaryAttributeValue, (counts.get(a.primaryAttributeValue) ?? 0) + 1);
    expect(counts.size).toBe(400);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    const list = p.f.emulator.memberships.view().lists.find((l) => l.id === 7002)!;
    expect(list.members.sort()).toEqual(leads.map((l) => l.id).sort());
    for (const ref of refs)
      expect((await p.producer.getOutcome(ref.key))!.lastSeq).toBeGreaterThanOrEqual(ref.seq);
    expect((await p.producer.buffer.stats()).counters.recovered_batches).toBeGreaterThanOrEqual(1);
  });
});

describe('the shutdown deadline with member groups in flight', () => {
  it('no call starts after SIGTERM; a restarted worker logs every activity once and settles every membership', async () => {
    p = await startPipeline(
      {
        limits: { rateCalls: 100, concurrency: 10, dailyQuota: null },
        faults: { latency: { fixedMs: 3_000 } },
      },
      { MKTSYNC_MAX_MOBJECTS_PER_CALL: '100' },
      'rest',
    );
    const leads = Array.from({ length: 30 }, (_, i) =>
      p!.f.emulator.leads.create({ Email: `d${i}@example.com` }),
    );
    const refs = [
      ...accepted(
        await p.producer.enqueueActivities(
          Array.from({ length: 1_200 }, (_, k) => activity({ Id: leads[k % 30]!.id }, k)),
        ),
      ),
      ...accepted(
        await p.producer.enqueueMemberships(
          leads.map((l) => ({ listId: 7003, lead: { Id: l.id }, action: 'ADD' as const })),
        ),
      ),
      ...accepted(
        await p.producer.enqueueMemberships(
          leads.map((l) => ({ programId: 1003, lead: { Id: l.id }, status: 'Registered' })),
        ),
      ),
    ];
    const worker = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      ...transportEnv(p.f, 'rest'),
      MKTSYNC_LINGER_MS: '200',
      MKTSYNC_RATE_LIMIT: '80',
      MKTSYNC_MAX_CONCURRENT: '8',
      MKTSYNC_MAX_MOBJECTS_PER_CALL: '100',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '10000',
      MKTSYNC_LEASE_MS: '15000',
      MKTSYNC_SHUTDOWN_TIMEOUT_MS: '1000',
      // Marketo (the emulator, 3 s late) applies an abandoned call within 4 s: then it is looked for.
      MKTSYNC_ABANDONED_APPLY_MS: '4000',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LOG_LEVEL: 'info',
    });
    stops.push(worker.stop);
    // Every slot (8) taken, so that no call can be on its way unseen when SIGTERM is sent.
    const pending = () => p!.f.emulator.calls.since().filter((c) => c.status === 'pending');
    for (let i = 0; i < 1_000 && pending().length < 8; i++) await new Promise((r) => setTimeout(r, 20));
    expect(pending().length).toBe(8);
    expect(pending().some((c) => c.operation === 'addCustomActivities')).toBe(true);
    const sigtermAt = Date.now();
    expect(await worker.stop()).toBe(0);
    const settledCalls = async () => {
      for (let i = 0; i < 1_000 && p!.f.emulator.calls.since().some((c) => c.status === 'pending'); i++)
        await new Promise((r) => setTimeout(r, 20));
    };
    await settledCalls();
    const afterSigterm = p.f.emulator.calls
      .since()
      .filter((c) => c.startedAt >= sigtermAt && c.operation !== 'identity');
    expect(afterSigterm).toEqual([]);

    await p.startWorker({}, { MKTSYNC_ABANDONED_APPLY_MS: '4000' });
    await p.drained(120_000);
    await settledCalls();
    const counts = new Map<string, number>();
    for (const a of p.f.emulator.activities.all())
      counts.set(a.primaryAttributeValue, (counts.get(a.primaryAttributeValue) ?? 0) + 1);
    // Nothing logged twice; an activity the deadline left unknown is INDETERMINATE (dead-lettered), every
    // other one logged.
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    const outcomes = await Promise.all(refs.map((ref) => p!.producer.getOutcome(ref.key)));
    refs.forEach((ref, i) => expect(outcomes[i]!.lastSeq, ref.key).toBeGreaterThanOrEqual(ref.seq));
    const activityOutcomes = outcomes.slice(0, 1_200);
    const unknown = activityOutcomes.filter((o) => o!.status === 'INDETERMINATE').length;
    expect(activityOutcomes.filter((o) => o!.status === 'CREATED').length).toBe(counts.size);
    expect(counts.size + unknown).toBe(1_200);
    // The calls the deadline abandoned were applied: their activities were found in the log, not resent.
    expect(activityOutcomes.some((o) => o!.note?.includes('found in Marketo'))).toBe(true);
    const list = p.f.emulator.memberships.view().lists.find((l) => l.id === 7003)!;
    expect(list.members.sort()).toEqual(leads.map((l) => l.id).sort());
    const program = p.f.emulator.memberships.view().programs.find((pr) => pr.id === 1003)!;
    expect(program.members.map((m) => m.status)).toEqual(leads.map(() => 'Registered'));
    console.info(
      `shutdown deadline, member groups: ${counts.size} activities logged once, ${unknown} INDETERMINATE`,
    );
  }, 240_000);
});
