import { describe, expect, it } from 'vitest';
import { restOperation } from '../../src/rest/call-attempt.js';
import { listRequestPath, listResults } from '../../src/rest/list-members.js';
import { nextPageToken, readListMembers } from '../../src/rest/list-read.js';
import { statusResults } from '../../src/rest/program-members.js';
import { ProgramSteps } from '../../src/rest/program-steps.js';
import { MarketoCallError } from '../../src/transport/contract.js';

describe('list membership answers', () => {
  it('matches results by id, whatever their order', () => {
    const results = listResults(
      [
        { id: 2, status: 'removed' },
        { id: 1, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
        { id: 3, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
      ],
      [1, 2, 3],
      'REMOVE',
    );
    expect(results.map((r) => [r.status, r.id, r.code, r.category])).toEqual([
      ['SKIPPED', '1', '1015', null],
      ['UPDATED', '2', null, null],
      ['FAILED', '3', '1004', 'invalid-record'],
    ]);
  });

  it('1015 on an add is not a success', () => {
    const [r] = listResults(
      [{ id: 1, status: 'skipped', reasons: [{ code: '1015', message: 'x' }] }],
      [1],
      'ADD',
    );
    expect(r!.status).toBe('FAILED');
  });

  it('an answer naming another lead, or one too few, is not trusted', () => {
    const other = (): unknown => listResults([{ id: 9, status: 'added' }], [1], 'ADD');
    expect(other).toThrow(MarketoCallError);
    expect(() => listResults([], [1], 'ADD')).toThrow(/0 results for 1 records/);
    expect(() =>
      listResults(
        [
          { id: 1, status: 'added' },
          { id: 1, status: 'added' },
        ],
        [1, 2],
        'ADD',
      ),
    ).toThrow(/seq/);
  });

  it('puts ids in the query', () => {
    expect(listRequestPath(7001, [1, 22])).toBe('/rest/v1/lists/7001/leads.json?id=1&id=22');
  });
});

describe('program member status answers', () => {
  it('reads created, updated and 1037 (no leadId) by seq', () => {
    const results = statusResults(
      [
        {
          seq: 1,
          status: 'skipped',
          reasons: [{ code: '1037', message: 'Lead skipped because it is already in or past this status' }],
        },
        { seq: 0, status: 'created', leadId: 5 },
        { seq: 2, status: 'updated', leadId: 7 },
      ],
      3,
    );
    expect(results.map((r) => [r.status, r.id, r.code])).toEqual([
      ['CREATED', '5', null],
      ['SKIPPED', null, '1037'],
      ['UPDATED', '7', null],
    ]);
    expect(results[1]!.message).toMatch(/already in or past/);
  });

  it('a created result without its lead is not trusted', () => {
    expect(statusResults([{ seq: 0, status: 'created' }], 1)[0]).toMatchObject({
      status: 'FAILED',
      category: 'indeterminate',
    });
  });
});

describe('metrics operation names', () => {
  it('names the member endpoints by Adobe’s names, never by their ids', () => {
    expect(restOperation('/rest/v1/lists/7001/leads.json?id=1', 'POST')).toBe('addToList');
    expect(restOperation('/rest/v1/lists/7001/leads.json?id=1', 'DELETE')).toBe('removeFromList');
    expect(restOperation('/rest/v1/lists/7001/leads.json', 'GET')).toBe('getLeadsByList');
    expect(restOperation('/rest/v1/programs/1001/members/status.json')).toBe('syncProgramMemberStatus');
    expect(restOperation('/rest/asset/v1/channels.json', 'GET')).toBe('getChannels');
  });
});

describe('Get Leads by List paging', () => {
  it('follows nextPageToken to the end, and refuses a member without an id', async () => {
    const paths: string[] = [];
    const pages = [
      { result: [{ id: 1, email: 'a@x.com' }, { id: 2 }], next: 'T1' },
      { result: [{ id: 3, email: 'c@x.com' }], next: undefined },
    ];
    const members = await readListMembers(7001, (path, page) => {
      paths.push(path);
      const p = pages[paths.length - 1]!;
      if (p.next !== undefined) page.next = p.next;
      return Promise.resolve(p.result);
    });
    expect(members).toEqual([
      { id: 1, email: 'a@x.com' },
      { id: 2, email: null },
      { id: 3, email: 'c@x.com' },
    ]);
    expect(paths[1]).toContain('nextPageToken=T1');
    await expect(readListMembers(7001, () => Promise.resolve([{ email: 'x' }]))).rejects.toThrow(
      /without a lead id/,
    );
    expect(nextPageToken('{"success":true,"result":[],"nextPageToken":"ABC"}')).toBe('ABC');
    expect(nextPageToken('{"success":true,"result":[]}')).toBeUndefined();
  });
});

describe('program steps', () => {
  it('batches of one program asking at once share one read; a failed read is read again', async () => {
    const paths: string[] = [];
    let fail = true;
    const steps = new ProgramSteps((path) => {
      paths.push(path.split('?')[0]!);
      if (path.startsWith('/rest/asset/v1/program/'))
        return Promise.resolve([{ id: 1001, channel: 'Webinar' }]);
      if (fail) {
        fail = false;
        return Promise.reject(new Error('608'));
      }
      return Promise.resolve([
        {
          name: 'Webinar',
          progressionStatuses: [
            { name: 'Registered', step: 20 },
            { name: 'Attended', step: 40 },
          ],
        },
      ]);
    });
    await expect(steps.of(1001)).rejects.toThrow('608');
    const answers = await Promise.all([steps.of(1001), steps.of(1001), steps.of(1001)]);
    expect(answers).toEqual(Array(3).fill({ Registered: 20, Attended: 40 }));
    expect(paths).toEqual([
      '/rest/asset/v1/program/1001.json',
      '/rest/asset/v1/channels.json',
      '/rest/asset/v1/channels.json',
    ]);
  });
});
