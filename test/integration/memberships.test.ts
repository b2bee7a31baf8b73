import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import type { MembershipChange } from '../../src/producer/member-changes.js';
import { runCli } from '../helpers/cli.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';
import { restSchema, schemaProblems } from '../helpers/rest-emulator.js';

/**
 * Static list membership and program member status end to end over REST: changes through the library,
 * HTTP, a file and `mktsync send`, a real Redis, a real worker, the emulator over HTTP; the final state
 * checked in the emulator, every request checked against the project's schemas.
 */

const TOKEN = 'membership-test-token-0123456789';
const listSchema = restSchema('client-list-membership-request');
const statusSchema = restSchema('client-program-member-status-request');

let p: PipelineFixture | undefined;
let server: IngestServer | undefined;
let other: Producer | undefined;
afterEach(async () => {
  await server?.close();
  await other?.close();
  await p?.close();
  server = undefined;
  other = undefined;
  p = undefined;
});

type View = {
  lists: { id: number; members: number[] }[];
  programs: { id: number; members: { leadId: number; status: string }[] }[];
};
const view = (f: PipelineFixture): View => f.f.emulator.memberships.view();
const listMembers = (f: PipelineFixture, listId: number): number[] =>
  [...view(f).lists.find((l) => l.id === listId)!.members].sort((a, b) => a - b);
const statusOf = (f: PipelineFixture, programId: number, leadId: number): string | undefined =>
  view(f)
    .programs.find((q) => q.id === programId)
    ?.members.find((m) => m.leadId === leadId)?.status;

/** Creates `n` leads in the emulator (as if synced earlier); their ids. */
async function leads(f: PipelineFixture, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < n; start += 300) {
    const size = Math.min(300, n - start);
    const result = await f.producer.enqueueLeads(
      Array.from({ length: size }, (_, i) => ({ Email: `m${start + i}@example.com`, attributes: {} })),
    );
    expect(result.rejected).toEqual([]);
  }
  await f.drained();
  for (let i = 0; i < n; i++) ids.push(Number((await f.producer.getOutcome(`L:em:m${i}%40example.com`))!.id));
  return ids;
}

/** Every list and status request since `since`, checked against the schemas. */
function memberCalls(f: PipelineFixture, since: number) {
  const calls = f.f.emulator.calls
    .since(since)
    .filter((c) => ['addToList', 'removeFromList', 'syncProgramMemberStatus'].includes(c.operation));
  for (const call of calls) {
    const problems =
      call.operation === 'syncProgramMemberStatus'
        ? schemaProblems(statusSchema, { statusName: call.statusName, input: call.records })
        : schemaProblems(listSchema, { id: (call.records as { id: number }[]).map((r) => r.id) });
    expect(problems, `call ${call.seq}`).toBe('');
  }
  return calls;
}

describe('list membership end to end', () => {
  it('many flips per lead through the library: the final membership is the last writer’s, in the fewest calls', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    const ids = await leads(p, 40);
    // 12 flips for each of 40 leads in 2 lists, in an order that differs per lead; the last one decides.
    const changes: MembershipChange[] = [];
    const last = new Map<string, 'ADD' | 'REMOVE'>();
    for (let round = 0; round < 12; round++)
      ids.forEach((id, i) => {
        const listId = i % 2 === 0 ? 7001 : 7002;
        const action = (round * 7 + i) % 3 === 0 ? 'REMOVE' : 'ADD';
        changes.push({ listId, lead: { Id: id }, action });
        last.set(`${listId}:${id}`, action);
      });
    const since = p.f.emulator.calls.total;
    const accepted = await p.producer.enqueueMemberships(changes);
    expect(accepted.rejected).toEqual([]);
    await p.drained();
    for (const listId of [7001, 7002]) {
      const expected = ids.filter((id) => last.get(`${listId}:${id}`) === 'ADD').sort((a, b) => a - b);
      expect(listMembers(p, listId)).toEqual(expected);
    }
    // One call per (list, action) group that holds records: at most 4, each record once.
    const calls = memberCalls(p, since);
    const groups = new Set([...last.entries()].map(([k, a]) => `${k.split(':')[0]}:${a}`));
    expect(calls).toHaveLength(groups.size);
    expect(calls.reduce((n, c) => n + c.recordCount, 0)).toBe(40);
    const outcomes = await p.producer.buffer.outcomes.latestOf(
      accepted.accepted.slice(0, 40).map((a) => a.key),
    );
    // A remove of a lead never added is SKIPPED (1015: the list is already as asked); the rest UPDATED.
    for (const o of outcomes) expect(['UPDATED', 'SKIPPED']).toContain(o?.status);
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });

  it('through HTTP (POST /v1/memberships), a CSV file and mktsync send; refused over SOAP at intake', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    const [a, b, c] = await leads(p, 3);
    server = await startIngestServer({ producer: p.producer, token: TOKEN });
    const post = async (body: string) => {
      const r = await fetch(`${server!.url}/v1/memberships`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-ndjson' },
        body,
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const ok = await post(
      [
        { listId: 7003, lead: { Id: a }, action: 'ADD' },
        { listId: 7003, lead: { Email: 'nobody-known@example.com' }, action: 'ADD' },
        { programId: 1001, lead: { Id: b }, status: 'Registered' },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    expect(ok.status).toBe(202);
    const bad = await post(JSON.stringify({ listId: 7003, lead: { Id: a }, action: 'JOIN' }));
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([{ line: 1, field: 'action', reason: 'must be ADD or REMOVE' }]);
    await p.drained();
    expect(listMembers(p, 7003)).toEqual([a]);
    expect(statusOf(p, 1001, b!)).toBe('Registered');
    // Until the lead resolver is wired, a lead named by email fails saying why (not dead-lettered silently).
    const byEmail = await p.producer.getOutcome('M:7003:Email:nobody-known%40example.com');
    expect(byEmail).toMatchObject({ status: 'FAILED' });

    // A CSV file through `mktsync enqueue --memberships`.
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-members-'));
    const csv = join(dir, 'members.csv');
    writeFileSync(
      csv,
      `listId,action,programId,status,Id\n7004,ADD,,,${c}\n7003,REMOVE,,,${a}\n,,1001,Attended,${b}\n`,
    );
    const env = { REDIS_URL: inject('redisUrl'), MKTSYNC_PREFIX: p.prefix, MARKETO_TRANSPORT: 'rest' };
    const run = await runCli(['enqueue', '--memberships', csv, '--quiet'], env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'memberships', accepted: 3, rejected: 0 });
    await p.drained();
    expect(listMembers(p, 7004)).toEqual([c]);
    expect(listMembers(p, 7003)).toEqual([]);
    expect(statusOf(p, 1001, b!)).toBe('Attended');

    // Over SOAP, intake refuses memberships, naming the field and saying why.
    other = await createProducer({ url: inject('redisUrl'), prefix: `${p.prefix}-soap` });
    const soap = await other.enqueueMemberships({ listId: 7003, lead: { Id: a! }, action: 'ADD' });
    expect(soap.accepted).toEqual([]);
    expect(soap.rejected).toEqual([{ at: 0, field: 'listId', reason: expect.stringMatching(/REST only/) }]);
    const soapFile = await runCli(['enqueue', '--memberships', csv, '--quiet'], {
      ...env,
      MARKETO_TRANSPORT: 'soap',
    });
    expect(soapFile.code).toBe(1);
    expect(soapFile.stderr).toMatch(/members\.csv:2: listId: .*REST only/);
  });

  it('mktsync send memberships: one call per group, per-record results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-send-members-'));
    const file = join(dir, 'members.ndjson');
    writeFileSync(
      file,
      [
        { listId: 7001, lead: { Id: 424242 }, action: 'ADD' },
        { programId: 1001, lead: { Id: 424242 }, status: 'Invited' },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    const run = await runCli(['send', 'memberships', file, '--emulator', '--transport', 'rest']);
    expect(run.stderr).toBe('');
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // No such lead in a fresh emulator: both calls answered, each record FAILED with 1004.
    expect(lines).toEqual([
      expect.objectContaining({ line: 1, status: 'FAILED' }),
      expect.objectContaining({ line: 2, status: 'FAILED' }),
    ]);
    expect(JSON.stringify(lines)).toMatch(/1004/);
    const soap = await runCli(['send', 'memberships', file, '--emulator', '--transport', 'soap']);
    expect(soap.code).toBe(2);
    expect(soap.stderr).toMatch(/:1: listId: .*REST only/);
  });
});

describe('program member status end to end', () => {
  it('statuses move forward; a late Registered behind Attended keeps Attended; a move back is SKIPPED 1037', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    const [a, b, c] = await leads(p, 3);
    // The first status of program 1001 makes the worker read its channel's steps into Redis.
    await p.producer.enqueueMemberships({ programId: 1001, lead: { Id: a! }, status: 'Invited' });
    await p.drained();
    expect(await p.redis.hget(p.producer.buffer.keys.steps(1001), 'Attended')).toBe('40');

    const since = p.f.emulator.calls.total;
    const changes = await p.producer.enqueueMemberships([
      { programId: 1001, lead: { Id: b! }, status: 'Registered' },
      { programId: 1001, lead: { Id: b! }, status: 'Attended' },
      // Late, behind Attended: the merge keeps Attended.
      { programId: 1001, lead: { Id: b! }, status: 'Registered' },
      { programId: 1001, lead: { Id: a! }, status: 'Registered' },
    ]);
    expect(changes.rejected).toEqual([]);
    await p.drained();
    expect(statusOf(p, 1001, a!)).toBe('Registered');
    expect(statusOf(p, 1001, b!)).toBe('Attended');
    const calls = memberCalls(p, since);
    expect(calls.map((x) => [x.statusName, x.recordCount]).sort()).toEqual([
      ['Attended', 1],
      ['Registered', 1],
    ]);
    const outcome = await p.producer.getOutcome('S:1001:Id:' + String(b));
    expect(outcome).toMatchObject({ status: 'CREATED', changes: 3 });

    // Marketo already has c further on (set by someone else): mktsync's Invited is skipped with 1037.
    p.f.emulator.memberships.programMembers(1001).set(c!, {
      leadId: c!,
      status: 'Attended',
      createdAt: '2026-12-07T00:00:00Z',
      updatedAt: '2026-12-07T00:00:00Z',
    });
    await p.producer.enqueueMemberships({ programId: 1001, lead: { Id: c! }, status: 'Invited' });
    await p.drained();
    const skipped = await p.producer.getOutcome(`S:1001:Id:${c}`);
    expect(skipped).toMatchObject({ status: 'SKIPPED' });
    expect(skipped!.error).toMatch(/1037.*already in or past this status/);
    expect(statusOf(p, 1001, c!)).toBe('Attended');
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });

  it('a lost answer is resent: the member lands once, the resend answered 1037 is SKIPPED', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    const [a] = await leads(p, 1);
    await p.producer.enqueueMemberships({ programId: 1003, lead: { Id: a! }, status: 'Invited' });
    await p.drained();
    const since = p.f.emulator.calls.total;
    p.f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    await p.producer.enqueueMemberships([
      { programId: 1003, lead: { Id: a! }, status: 'Registered' },
      { listId: 7005, lead: { Id: a! }, action: 'ADD' },
    ]);
    await p.drained();
    const calls = memberCalls(p, since);
    expect(calls.filter((x) => x.status === 'applied-reset')).toHaveLength(1);
    expect(statusOf(p, 1003, a!)).toBe('Registered');
    expect(listMembers(p, 7005)).toEqual([a]);
    const lost = calls.find((x) => x.status === 'applied-reset')!;
    const key = lost.operation === 'addToList' ? 'M:7005:Id:' + String(a) : 'S:1003:Id:' + String(a);
    const outcome = await p.producer.getOutcome(key);
    expect(outcome?.status).toBe(lost.operation === 'addToList' ? 'UPDATED' : 'SKIPPED');
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });
});

describe('program steps read as soon as a program’s statuses appear', () => {
  it('before the first batch is sent: a late Registered arriving while Attended lingers keeps Attended', async () => {
    // A long linger and quiet time: the first batch of the program is not sent while the test runs.
    p = await startPipeline({}, { MKTSYNC_LINGER_MS: '600000', MKTSYNC_QUIET_MS: '600000' }, 'rest');
    const [b] = await leadsWithoutWorker(p, 1);
    await p.startWorker();
    await p.producer.enqueueMemberships({ programId: 1003, lead: { Id: b! }, status: 'Attended' });
    // The worker sees the new group and reads program 1003's channel steps into Redis.
    const stepsKey = p.producer.buffer.keys.steps(1003);
    while ((await p.redis.hget(stepsKey, 'Attended')) === null) await new Promise((r) => setTimeout(r, 50));
    await p.producer.enqueueMemberships({ programId: 1003, lead: { Id: b! }, status: 'Registered' });
    const record = await p.redis.hmget(p.producer.buffer.keys.rec(`S:1003:Id:${b}`), 'group', 'count');
    expect(record).toEqual(['S:1003:Attended', '2']);
    // Nothing was sent: the steps were read for the merge, not by a send.
    expect(p.f.emulator.calls.since(0).filter((c) => c.operation === 'syncProgramMemberStatus')).toEqual([]);
  });
});

/** `n` leads made in the emulator directly (no worker needed); their ids. */
async function leadsWithoutWorker(f: PipelineFixture, n: number): Promise<number[]> {
  return Array.from(
    { length: n },
    (_, i) => f.f.emulator.leads.create({ Email: `direct${i}@example.com` }).id,
  );
}
