import { afterEach, describe, expect, it } from 'vitest';
import { startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

/**
 * The emulator's static list and program member endpoints over HTTP: Add to List, Remove from List,
 * Get Leads by List, Sync Program Member Status, Get Channels, Get Program (its channel), the state API
 * and a lost answer of an applied call.
 */

let fx: RestFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function leads(f: RestFixture, n: number): Promise<number[]> {
  const answer = await f.call('POST', '/rest/v1/leads.json', {
    json: {
      action: 'createOnly',
      input: Array.from({ length: n }, (_, i) => ({ email: `m${i}@example.com` })),
    },
  });
  return (answer.body.result as { id: number }[]).map((r) => r.id);
}

const memberships = async (f: RestFixture) =>
  (await (await fetch(`${f.emulator.url}/_emulator/memberships`)).json()) as {
    lists: { id: number; members: number[] }[];
    programs: { id: number; members: { leadId: number; status: string }[] }[];
  };

describe('emulator: static lists', () => {
  it('adds, re-adds, removes, refuses unknown leads and lists, pages the members', async () => {
    fx = await startRestFixture();
    const [a, b, c] = await leads(fx, 3);
    const added = await fx.call('POST', `/rest/v1/lists/7001/leads.json?id=${a}&id=${b}&id=999`);
    expect(added.body.result).toEqual([
      { id: a, status: 'added' },
      { id: b, status: 'added' },
      { id: 999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
    // A JSON body names ids too; a member added again is `added` (a list is a set).
    const again = await fx.call('POST', '/rest/v1/lists/7001/leads.json', {
      json: { input: [{ id: a }, { id: c }] },
    });
    expect((again.body.result as { status: string }[]).map((r) => r.status)).toEqual(['added', 'added']);
    const removed = await fx.call('DELETE', `/rest/v1/lists/7001/leads.json?id=${b}&id=${b}`);
    expect(removed.body.result).toEqual([
      { id: b, status: 'removed' },
      { id: b, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
    ]);
    const first = await fx.call('GET', '/rest/v1/lists/7001/leads.json?batchSize=1&fields=id,email');
    expect(first.body.result).toEqual([{ id: a, email: 'm0@example.com' }]);
    const second = await fx.call(
      'GET',
      `/rest/v1/lists/7001/leads.json?batchSize=1&nextPageToken=${first.body.nextPageToken as string}`,
    );
    expect((second.body.result as { id: number }[]).map((r) => r.id)).toEqual([c]);
    expect(second.body.nextPageToken).toBeUndefined();
    expect((await memberships(fx)).lists.find((l) => l.id === 7001)!.members).toEqual([a, c]);

    const unknown = await fx.call('POST', `/rest/v1/lists/4242/leads.json?id=${a}`);
    expect(unknown.body).toMatchObject({ success: false, errors: [{ code: '702' }] });
    const tooMany = Array.from({ length: 301 }, (_, i) => `id=${i + 1}`).join('&');
    expect((await fx.call('POST', `/rest/v1/lists/7001/leads.json?${tooMany}`)).body).toMatchObject({
      success: false,
      errors: [{ code: '1003' }],
    });
    expect((await fx.call('PUT', '/rest/v1/lists/7001/leads.json')).body).toMatchObject({
      errors: [{ code: '605' }],
    });
  });

  it('takes lists from a seed set at run time, keeping the members of lists still there', async () => {
    fx = await startRestFixture();
    const [a] = await leads(fx, 1);
    await fx.call('POST', `/rest/v1/lists/7002/leads.json?id=${a}`);
    fx.emulator.configure({
      seed: {
        lists: [
          { id: 7002, name: 'Trial users' },
          { id: 9001, name: 'New' },
        ],
      },
    });
    const view = await memberships(fx);
    expect(view.lists).toEqual([
      { id: 7002, name: 'Trial users', members: [a] },
      { id: 9001, name: 'New', members: [] },
    ]);
  });
});

describe('emulator: program member status', () => {
  it('creates, moves forward, skips a move back or a resend with 1037, knows the channel', async () => {
    fx = await startRestFixture();
    const [a, b] = await leads(fx, 2);
    const path = '/rest/v1/programs/1001/members/status.json';
    const registered = await fx.call('POST', path, {
      json: { statusName: 'Registered', input: [{ leadId: a }] },
    });
    expect(registered.body.result).toEqual([{ seq: 0, status: 'created', leadId: a }]);
    const attended = await fx.call('POST', path, {
      json: { statusName: 'Attended', input: [{ leadId: a }, { leadId: b }, { leadId: 5 }] },
    });
    expect(attended.body.result).toEqual([
      { seq: 0, status: 'updated', leadId: a },
      { seq: 1, status: 'created', leadId: b },
      { seq: 2, status: 'skipped', leadId: 5, reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
    const back = await fx.call('POST', path, {
      json: { statusName: 'Registered', input: [{ leadId: a }, { leadId: b }] },
    });
    expect(back.body.result).toEqual([
      {
        seq: 0,
        status: 'skipped',
        reasons: [{ code: '1037', message: 'Lead skipped because it is already in or past this status' }],
      },
      {
        seq: 1,
        status: 'skipped',
        reasons: [{ code: '1037', message: 'Lead skipped because it is already in or past this status' }],
      },
    ]);
    const unknownStatus = await fx.call('POST', path, {
      json: { statusName: 'Bogus', input: [{ leadId: a }] },
    });
    expect(unknownStatus.body.result).toMatchObject([
      { seq: 0, status: 'skipped', reasons: [{ code: '1025' }] },
    ]);
    expect(
      (
        await fx.call('POST', '/rest/v1/programs/4242/members/status.json', {
          json: { statusName: 'Registered', input: [{ leadId: a }] },
        })
      ).body,
    ).toMatchObject({ success: false, errors: [{ code: '702' }] });
    const view = await memberships(fx);
    expect(view.programs).toEqual([
      {
        id: 1001,
        members: [
          expect.objectContaining({ leadId: a, status: 'Attended' }),
          expect.objectContaining({ leadId: b, status: 'Attended' }),
        ],
      },
    ]);

    const program = await fx.call('GET', '/rest/asset/v1/program/1001.json');
    expect((program.body.result as { channel: string }[])[0]!.channel).toBe('Webinar');
    const channels = await fx.call('GET', '/rest/asset/v1/channels.json');
    const webinar = (
      channels.body.result as { name: string; progressionStatuses: { name: string; step: number }[] }[]
    ).find((c) => c.name === 'Webinar')!;
    expect(webinar.progressionStatuses.map((s) => [s.name, s.step])).toContainEqual(['Registered', 20]);
    expect(webinar.progressionStatuses.map((s) => [s.name, s.step])).toContainEqual(['Attended', 40]);
  });

  it('applies a call whose answer is lost (reset after applying)', async () => {
    fx = await startRestFixture();
    const [a] = await leads(fx, 1);
    fx.emulator.configure({ faults: { applyThenResetRate: 1 } });
    await expect(
      fx.call('POST', '/rest/v1/programs/1001/members/status.json', {
        json: { statusName: 'Invited', input: [{ leadId: a }] },
      }),
    ).rejects.toThrow();
    await expect(fx.call('POST', `/rest/v1/lists/7003/leads.json?id=${a}`)).rejects.toThrow();
    fx.emulator.configure({ faults: { applyThenResetRate: 0 } });
    const view = await memberships(fx);
    expect(view.programs[0]!.members[0]).toMatchObject({ leadId: a, status: 'Invited' });
    expect(view.lists.find((l) => l.id === 7003)!.members).toEqual([a]);
  });
});
