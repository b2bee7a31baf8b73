import { afterEach, describe, expect, it } from 'vitest';
import { readEnvelope } from '../../src/rest/answer.js';
import { RestHttp } from '../../src/rest/http.js';
import { LeadResolver } from '../../src/rest/lead-resolver.js';
import { sendListMembers } from '../../src/rest/list-members.js';
import type { RestCalls } from '../../src/rest/rest-calls.js';
import { sendProgramMembers } from '../../src/rest/program-members.js';
import { ProgramSteps } from '../../src/rest/program-steps.js';
import { MarketoCallError } from '../../src/transport/contract.js';
import type { StoredMembership, StoredProgramStatus } from '../../src/buffer/types.js';
import { restSchema, schemaProblems, startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

/**
 * Sending list membership and program member status to the emulator over HTTP: the request shapes
 * (checked against the project's schemas written from the Swagger facts), the per-record results, a
 * resend after a lost answer, and 1037 as SKIPPED.
 */

const listSchema = restSchema('client-list-membership-request');
const statusSchema = restSchema('client-program-member-status-request');

let fx: RestFixture | undefined;
let http: RestHttp | undefined;
afterEach(async () => {
  http?.close();
  await fx?.close();
  fx = undefined;
  http = undefined;
});

interface Sent {
  method: string;
  path: string;
  body: string | undefined;
}

/** The REST client's part the member senders use, on a plain HTTP client; every request recorded. */
function requests(f: RestFixture, sent: Sent[]): RestCalls {
  const states = new Map<string, unknown>();
  http = new RestHttp(f.emulator.restEndpoint, { responseTimeoutMs: 5_000 });
  return {
    exchange: async (method, path, body, _records, signal, contentType) => {
      sent.push({ method, path, body });
      const headers: Record<string, string> = { Authorization: `Bearer ${await f.token()}` };
      if (contentType) headers['Content-Type'] = contentType;
      const answer = await http!.request({
        method,
        path,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
      return readEnvelope(answer);
    },
    admitAnother: () => Promise.resolve(),
    sendJson: () => Promise.reject(new Error('not used by the member senders')),
    read: () => Promise.reject(new Error('not used by the member senders')),
    // The real resolver, its lookups over the same HTTP client (not recorded: `sent` is the member calls).
    leads: new LeadResolver({
      query: async (form, signal) => {
        const answer = await http!.request({
          method: 'POST',
          path: '/rest/v1/leads.json?_method=GET',
          headers: {
            Authorization: `Bearer ${await f.token()}`,
            'Content-Type': 'application/x-www-form-urlencoded',
          },
          body: form,
          ...(signal ? { signal } : {}),
        });
        return { result: readEnvelope(answer) };
      },
    }),
    state: <T>(name: string, make: () => T): T => {
      if (!states.has(name)) states.set(name, make());
      return states.get(name) as T;
    },
    maxBodyBytes: 1_000_000,
  };
}

/** The decoded query and body of a list request, as the schema checks it. */
function listRequest(sent: Sent): unknown {
  const url = new URL(sent.path, 'http://x');
  return { id: url.searchParams.getAll('id').map(Number), body: sent.body ?? null };
}

async function newLeads(f: RestFixture, n: number, from = 0): Promise<number[]> {
  if (n > 300) return [...(await newLeads(f, 300, from)), ...(await newLeads(f, n - 300, from + 300))];
  const answer = await f.call('POST', '/rest/v1/leads.json', {
    json: {
      action: 'createOnly',
      input: Array.from({ length: n }, (_, i) => ({ email: `s${from + i}@example.com` })),
    },
  });
  return (answer.body.result as { id: number }[]).map((r) => r.id);
}

const members = async (f: RestFixture, listId: number): Promise<number[]> =>
  (
    (await (await fetch(`${f.emulator.url}/_emulator/memberships`)).json()) as {
      lists: { id: number; members: number[] }[];
    }
  ).lists.find((l) => l.id === listId)!.members;

describe('sendListMembers', () => {
  it('adds and removes by id in one request each; per-record results; 1015 on a remove is SKIPPED', async () => {
    fx = await startRestFixture();
    const sent: Sent[] = [];
    const r = requests(fx, sent);
    const [a, b] = await newLeads(fx, 2);
    const adds: StoredMembership[] = [
      { listId: 7001, lead: { Id: a! }, action: 'ADD' },
      { listId: 7001, lead: { Email: 'nobody@example.com' }, action: 'ADD' },
      { listId: 7001, lead: { Id: 424242 }, action: 'ADD' },
      { listId: 7001, lead: { Id: b! }, action: 'ADD' },
    ];
    const added = await sendListMembers(r, { kind: 'listMembership', listId: 7001, action: 'ADD' }, adds);
    expect(added.map((x) => [x.status, x.id, x.code])).toEqual([
      ['UPDATED', String(a), null],
      ['FAILED', null, null],
      ['FAILED', '424242', '1004'],
      ['UPDATED', String(b), null],
    ]);
    expect(added[1]!.message).toMatch(/Marketo has no lead Email:nobody@example.com/);
    expect(added[1]!.field).toBe('lead');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('POST');
    expect(await members(fx, 7001)).toEqual([a, b]);

    const removes: StoredMembership[] = [
      { listId: 7001, lead: { Id: a! }, action: 'REMOVE' },
      { listId: 7001, lead: { Id: b! }, action: 'REMOVE' },
    ];
    const group = { kind: 'listMembership', listId: 7001, action: 'REMOVE' } as const;
    expect((await sendListMembers(r, group, removes)).map((x) => x.status)).toEqual(['UPDATED', 'UPDATED']);
    // Sent again (as after a lost answer): the list is already as asked.
    const again = await sendListMembers(r, group, removes);
    expect(again.map((x) => [x.status, x.code])).toEqual([
      ['SKIPPED', '1015'],
      ['SKIPPED', '1015'],
    ]);
    expect(await members(fx, 7001)).toEqual([]);
    expect(sent.map((s) => s.method)).toEqual(['POST', 'DELETE', 'DELETE']);
    for (const s of sent) expect(schemaProblems(listSchema, listRequest(s)), s.path).toBe('');
  });

  it('an unknown list fails every record; a lost answer is an error to resend, and the resend converges', async () => {
    fx = await startRestFixture();
    const sent: Sent[] = [];
    const r = requests(fx, sent);
    const [a] = await newLeads(fx, 1);
    const unknown = await sendListMembers(r, { kind: 'listMembership', listId: 4242, action: 'ADD' }, [
      { listId: 4242, lead: { Id: a! }, action: 'ADD' },
    ]);
    expect(unknown).toMatchObject([{ status: 'FAILED', code: '702', category: 'invalid-record' }]);

    fx.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const records: StoredMembership[] = [{ listId: 7002, lead: { Id: a! }, action: 'ADD' }];
    const group = { kind: 'listMembership', listId: 7002, action: 'ADD' } as const;
    const lost = await sendListMembers(r, group, records).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(MarketoCallError);
    expect((lost as MarketoCallError).applied).toBe('indeterminate');
    expect(await members(fx, 7002)).toEqual([a]);
    expect((await sendListMembers(r, group, records)).map((x) => x.status)).toEqual(['UPDATED']);
    expect(await members(fx, 7002)).toEqual([a]);
  });

  it('cuts more than 300 distinct leads into requests of at most 300', async () => {
    fx = await startRestFixture();
    const sent: Sent[] = [];
    const ids = await newLeads(fx, 301);
    let admitted = 0;
    const r = { ...requests(fx, sent), admitAnother: () => Promise.resolve(void admitted++) };
    const results = await sendListMembers(
      r,
      { kind: 'listMembership', listId: 7003, action: 'ADD' },
      ids.map((id) => ({ listId: 7003, lead: { Id: id }, action: 'ADD' as const })),
    );
    expect(results.every((x) => x.status === 'UPDATED')).toBe(true);
    expect(sent.map((s) => new URL(s.path, 'http://x').searchParams.getAll('id').length)).toEqual([300, 1]);
    expect(admitted).toBe(1);
    for (const s of sent) expect(schemaProblems(listSchema, listRequest(s))).toBe('');
  });
});

describe('sendProgramMembers', () => {
  it('creates, moves forward, reports 1037 (already at or past) as SKIPPED with the reason', async () => {
    fx = await startRestFixture();
    const sent: Sent[] = [];
    const r = requests(fx, sent);
    const [a, b] = await newLeads(fx, 2);
    const at = (
      status: string,
      ...leads: number[]
    ): [{ kind: 'programStatus'; programId: number; status: string }, StoredProgramStatus[]] => [
      { kind: 'programStatus', programId: 1001, status },
      leads.map((id) => ({ programId: 1001, lead: { Id: id }, status })),
    ];
    expect((await sendProgramMembers(r, ...at('Registered', a!))).map((x) => [x.status, x.id])).toEqual([
      ['CREATED', String(a)],
    ]);
    expect((await sendProgramMembers(r, ...at('Attended', a!, b!))).map((x) => [x.status, x.id])).toEqual([
      ['UPDATED', String(a)],
      ['CREATED', String(b)],
    ]);
    const back = await sendProgramMembers(r, ...at('Registered', a!, b!));
    expect(back.map((x) => [x.status, x.code])).toEqual([
      ['SKIPPED', '1037'],
      ['SKIPPED', '1037'],
    ]);
    expect(back[0]!.message).toMatch(/already in or past this status/);
    const unknownStatus = await sendProgramMembers(r, ...at('Bogus', a!));
    expect(unknownStatus).toMatchObject([{ status: 'FAILED', code: '1025' }]);
    for (const s of sent) expect(schemaProblems(statusSchema, JSON.parse(s.body!))).toBe('');
  });

  it('a lost answer, then the resend: the lead is where it was sent, the resend SKIPPED 1037', async () => {
    fx = await startRestFixture();
    const r = requests(fx, []);
    const [a] = await newLeads(fx, 1);
    const group = { kind: 'programStatus', programId: 1003, status: 'Registered' } as const;
    const records: StoredProgramStatus[] = [{ programId: 1003, lead: { Id: a! }, status: 'Registered' }];
    fx.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    await expect(sendProgramMembers(r, group, records)).rejects.toBeInstanceOf(MarketoCallError);
    expect((await sendProgramMembers(r, group, records)).map((x) => [x.status, x.code])).toEqual([
      ['SKIPPED', '1037'],
    ]);
    const unknown = await sendProgramMembers(
      r,
      { kind: 'programStatus', programId: 4242, status: 'Registered' },
      [{ programId: 4242, lead: { Id: a! }, status: 'Registered' }],
    );
    expect(unknown).toMatchObject([{ status: 'FAILED', code: '702' }]);
  });
});

describe('ProgramSteps', () => {
  it("reads a program's channel and its steps, cached; another program of the same channel costs one read", async () => {
    fx = await startRestFixture();
    const sent: Sent[] = [];
    requests(fx, sent);
    const steps = new ProgramSteps(async (path, signal) => {
      sent.push({ method: 'GET', path, body: undefined });
      const answer = await http!.request({
        method: 'GET',
        path,
        headers: { Authorization: `Bearer ${await fx!.token()}` },
        ...(signal ? { signal } : {}),
      });
      return readEnvelope(answer);
    });
    expect(await steps.of(1001)).toMatchObject({ Registered: 20, Attended: 40, 'No Show': 30 });
    expect(steps.calls).toBe(2);
    expect(await steps.of(1001)).toMatchObject({ Registered: 20 });
    expect(steps.calls).toBe(2);
    expect(await steps.of(1003)).toMatchObject({ Attended: 30 });
    expect(steps.calls).toBe(3);
    // A program whose channel the instance does not list: no steps (the merge then keeps the newer).
    fx.emulator.configure({ seed: { programs: [{ id: 1009, name: 'x', tags: { Channel: 'Nope' } }] } });
    expect(await steps.of(1009)).toBeUndefined();
  });
});
