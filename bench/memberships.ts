import { Redis } from 'ioredis';
import { createProducer } from '../src/producer/producer.js';
import type { ListMembershipChange, ProgramStatusChange } from '../src/producer/member-changes.js';
import { startWorker } from '../src/worker/worker.js';
import {
  callLog,
  configure,
  dropPrefix,
  freshPrefix,
  REST_CLIENT_ID,
  REST_CLIENT_SECRET,
  settingsOver,
  waitDrained,
  type BenchEmulator,
  type CallEntry,
} from './harness.js';

/**
 * List membership and program member status over REST, against the emulator at Marketo's limits:
 *
 * - lists: `changes` adds and removes over 5 lists and `leads` leads, many flips per (list, lead), as a
 *   backlog and as a live stream offered to a running worker within its linger time. The final membership
 *   must be the last writer's; calls are Add/Remove to List requests against the minimum (per list and
 *   action, the distinct leads whose last change is that action, over 300, rounded up).
 * - program status: `statusLeads` leads in 3 programs moving forward (Invited → Registered → Attended or
 *   No Show, some with a late Registered behind Attended), a tenth of them already further on in Marketo
 *   (answered 1037), as a backlog: calls against the floor (per program and furthest status, its leads
 *   over 300), 1037 skips counted as SKIPPED outcomes. A warm-up status per program first lets a worker
 *   read the channels' steps (the reads are counted apart), as a running deployment has them.
 */

const LISTS = [7001, 7002, 7003, 7004, 7005];
const PROGRAMS = [1001, 1003, 1004] as const;
/** Forward paths per program's channel (default seed: Webinar, Tradeshow, Paid Search). */
const PATHS: Record<(typeof PROGRAMS)[number], string[][]> = {
  1001: [
    ['Invited', 'Registered', 'Attended'],
    ['Invited', 'Registered', 'No Show'],
    ['Registered', 'Attended', 'Registered'],
  ],
  1003: [
    ['Invited', 'Registered', 'Attended'],
    ['Invited', 'Registered'],
  ],
  1004: [['Clicked', 'Engaged'], ['Clicked']],
};
/** The further status of a path (its last, except a late step back). */
const finalOf = (path: string[]): string =>
  path.length === 3 && path[2] === 'Registered' ? path[1]! : path[path.length - 1]!;

async function token(url: string): Promise<string> {
  const query = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: REST_CLIENT_ID,
    client_secret: REST_CLIENT_SECRET,
  });
  const body = (await (await fetch(`${url}/identity/oauth/token?${query}`)).json()) as {
    access_token: string;
  };
  return body.access_token;
}

async function rest(url: string, method: string, path: string, json?: unknown): Promise<unknown[]> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await token(url)}`, 'Content-Type': 'application/json' },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const body = (await response.json()) as { success: boolean; result?: unknown[]; errors?: unknown };
  if (!body.success) throw new Error(`${method} ${path}: ${JSON.stringify(body.errors)}`);
  return body.result ?? [];
}

/** `n` new leads in the emulator (as if synced before); their ids. */
async function createLeads(url: string, n: number, tag: string): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < n; start += 300) {
    const input = Array.from({ length: Math.min(300, n - start) }, (_, i) => ({
      email: `${tag}${start + i}@example.com`,
    }));
    const result = (await rest(url, 'POST', '/rest/v1/leads.json', { action: 'createOnly', input })) as {
      id: number;
    }[];
    ids.push(...result.map((r) => r.id));
  }
  return ids;
}

const minimumOf = (groups: Map<string, number>): number =>
  [...groups.values()].reduce((n, size) => n + Math.ceil(size / 300), 0);

const memberCalls = (log: readonly CallEntry[], ops: readonly string[]): CallEntry[] =>
  log.filter((c) => ops.includes(c.operation) && c.status === 'ok');

/** Deterministic pseudo-random numbers (a run repeats exactly). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function listPlan(
  ids: readonly number[],
  changes: number,
): { plan: ListMembershipChange[]; last: Map<string, 'ADD' | 'REMOVE'> } {
  const next = random(7);
  const plan: ListMembershipChange[] = [];
  const last = new Map<string, 'ADD' | 'REMOVE'>();
  for (let k = 0; k < changes; k++) {
    const id = ids[Math.floor(next() * ids.length)]!;
    // Each lead moves between two of the lists: pairs (list, lead) flip many times.
    const listId = LISTS[(id + (next() < 0.5 ? 0 : 1)) % LISTS.length]!;
    const action = next() < 0.55 ? 'ADD' : 'REMOVE';
    plan.push({ listId, lead: { Id: id }, action });
    last.set(`${listId}:${id}`, action);
  }
  return { plan, last };
}

async function runLists(
  redisUrl: string,
  emulator: BenchEmulator,
  ids: readonly number[],
  changes: number,
  live: boolean,
) {
  const redis = new Redis(redisUrl);
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  const leadIds = await createLeads(emulator.url, ids.length, live ? 'live' : 'backlog');
  const { plan, last } = listPlan(leadIds, changes);
  const prefix = freshPrefix();
  const producer = await createProducer({ url: redisUrl, prefix, transport: 'rest' });
  const since = (await callLog(emulator.url)).length;
  const settings = settingsOver(redisUrl, emulator, prefix, 'rest');
  let worker = live ? await startWorker(settings, { http: false }) : undefined;
  const started = performance.now();
  for (let i = 0; i < plan.length; i += 1000) {
    const result = await producer.enqueueMemberships(plan.slice(i, i + 1000));
    if (result.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(result.rejected[0])}`);
  }
  const streamMs = performance.now() - started;
  worker ??= await startWorker(settings, { http: false });
  await waitDrained(redis, prefix);
  await worker.stop();
  await producer.close();
  const log = (await callLog(emulator.url)).slice(since);
  const calls = memberCalls(log, ['addToList', 'removeFromList']);
  const view = (await (await fetch(`${emulator.url}/_emulator/memberships`)).json()) as {
    lists: { id: number; members: number[] }[];
  };
  const held = new Set(view.lists.flatMap((l) => l.members.map((m) => `${l.id}:${m}`)));
  let wrong = 0;
  const groups = new Map<string, number>();
  for (const [pair, action] of last) {
    if ((action === 'ADD') !== held.has(pair)) wrong++;
    const group = `${pair.split(':')[0]}:${action}`;
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  // A member the stream never added (the lists start empty) is held by no one: also wrong.
  for (const pair of held) if (!last.has(pair)) wrong++;
  await dropPrefix(redis, `{${prefix}}*`);
  redis.disconnect();
  const minimum = minimumOf(groups);
  return {
    mode: live ? 'live stream' : 'backlog',
    changes: plan.length,
    pairs: last.size,
    streamMs: Math.round(streamMs),
    lingerMs: settings.lingerMs,
    calls: calls.length,
    minimumCalls: minimum,
    callsPerMinimum: calls.length / minimum,
    wrongMemberships: wrong,
  };
}

async function runStatuses(redisUrl: string, emulator: BenchEmulator, leads: number) {
  const redis = new Redis(redisUrl);
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  const ids = await createLeads(emulator.url, leads + PROGRAMS.length, 'status');
  const warm = ids.slice(leads);
  const prefix = freshPrefix();
  const producer = await createProducer({ url: redisUrl, prefix, transport: 'rest' });
  const settings = settingsOver(redisUrl, emulator, prefix, 'rest');
  const warmWorker = await startWorker(settings, { http: false });
  // Warm-up: one status per program; the worker reads the channels' steps before sending it.
  await producer.enqueueMemberships(
    PROGRAMS.map((programId, i): ProgramStatusChange => ({
      programId,
      lead: { Id: warm[i]! },
      status: PATHS[programId][0]![0]!,
    })),
  );
  await waitDrained(redis, prefix);
  await warmWorker.stop();
  const next = random(11);
  const plan: ProgramStatusChange[] = [];
  const finals = new Map<string, number>();
  const expected = new Map<string, string>();
  const ahead: number[] = [];
  // A tenth of the leads is already further on in Marketo (someone else moved them): 1037 for each.
  const aheadOf = new Map<number, number[]>();
  const perProgram = Math.ceil(leads / PROGRAMS.length);
  const rounds: ProgramStatusChange[][] = [[], [], []];
  ids.slice(0, leads).forEach((id, n) => {
    const programId = PROGRAMS[Math.floor(n / perProgram)]!;
    const paths = PATHS[programId];
    const path = paths[Math.floor(next() * paths.length)]!;
    path.forEach((status, step) => rounds[step]!.push({ programId, lead: { Id: id }, status }));
    const final = finalOf(path);
    if (n % 10 === 0) {
      ahead.push(id);
      aheadOf.set(programId, [...(aheadOf.get(programId) ?? []), id]);
      expected.set(`${programId}:${id}`, programId === 1004 ? 'Engaged' : 'Attended');
    } else expected.set(`${programId}:${id}`, final);
    finals.set(`${programId}:${final}`, (finals.get(`${programId}:${final}`) ?? 0) + 1);
  });
  for (const [programId, leadIds] of aheadOf)
    for (let i = 0; i < leadIds.length; i += 300)
      await rest(emulator.url, 'POST', `/rest/v1/programs/${programId}/members/status.json`, {
        statusName: programId === 1004 ? 'Engaged' : 'Attended',
        input: leadIds.slice(i, i + 300).map((leadId) => ({ leadId })),
      });
  // Statuses moving forward: every lead's first step, then its second, then its third.
  for (const round of rounds) plan.push(...round);
  const since = (await callLog(emulator.url)).length;
  const accepted: string[] = [];
  for (let i = 0; i < plan.length; i += 1000) {
    const result = await producer.enqueueMemberships(plan.slice(i, i + 1000));
    if (result.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(result.rejected[0])}`);
    accepted.push(...result.accepted.map((a) => a.key));
  }
  // Drained as a backlog: every lead's statuses merged to its furthest before the first call.
  const worker = await startWorker(settings, { http: false });
  await waitDrained(redis, prefix);
  await worker.stop();
  const all = await callLog(emulator.url);
  const log = all.slice(since);
  const calls = memberCalls(log, ['syncProgramMemberStatus']);
  const keys = [...new Set(accepted)];
  const outcomes = await producer.buffer.outcomes.latestOf(keys);
  const byStatus: Record<string, number> = {};
  let skipped1037 = 0;
  for (const o of outcomes) {
    byStatus[o?.status ?? 'none'] = (byStatus[o?.status ?? 'none'] ?? 0) + 1;
    if (o?.status === 'SKIPPED' && (o.error ?? '').includes('1037')) skipped1037++;
  }
  const view = (await (await fetch(`${emulator.url}/_emulator/memberships`)).json()) as {
    programs: { id: number; members: { leadId: number; status: string }[] }[];
  };
  const held = new Map<string, string>(
    view.programs.flatMap((q) => q.members.map((m): [string, string] => [`${q.id}:${m.leadId}`, m.status])),
  );
  let wrong = 0;
  for (const [pair, status] of expected) if (held.get(pair) !== status) wrong++;
  await producer.close();
  await dropPrefix(redis, `{${prefix}}*`);
  redis.disconnect();
  const floor = minimumOf(finals);
  return {
    leads,
    changes: plan.length,
    leadsAlreadyFurther: ahead.length,
    calls: calls.length,
    floorCalls: floor,
    callsPerFloor: calls.length / floor,
    // Get Program and Get Channels, the warm-up's included (since the emulator's reset).
    stepReads: all.filter((c) => c.operation === 'getChannels' || c.operation === 'getProgram').length,
    outcomes: byStatus,
    skipped1037,
    wrongStatuses: wrong,
  };
}

export async function benchMemberships(
  redisUrl: string,
  emulator: BenchEmulator,
  sizes: { changes: number; leads: number; statusLeads: number },
) {
  // Marketo's own limits: the API is the bottleneck, as in production, so changes merge while they wait.
  await configure(emulator.url, { limits: { rateCalls: 100, concurrency: 10, dailyQuota: null } });
  try {
    const ids = Array.from({ length: sizes.leads }, (_, i) => i);
    const backlog = await runLists(redisUrl, emulator, ids, sizes.changes, false);
    const live = await runLists(redisUrl, emulator, ids, sizes.changes, true);
    const statuses = await runStatuses(redisUrl, emulator, sizes.statusLeads);
    return { lists: [backlog, live], statuses };
  } finally {
    await configure(emulator.url, { limits: { rateCalls: null, concurrency: null, dailyQuota: null } });
  }
}
