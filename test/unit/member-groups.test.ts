import { describe, expect, it } from 'vitest';
import { claimOrder, groupName, isIntakeGroup, parseGroupName } from '../../src/vocabulary/batch-groups.js';
import { leadRefText, parseLeadRef } from '../../src/vocabulary/lead-refs.js';
import {
  MEMBER_GROUP_PATTERNS,
  memberTransportProblem,
  parseMemberGroupName,
  type MemberGroup,
} from '../../src/vocabulary/member-groups.js';

/** Lua's pattern classes used by MEMBER_GROUP_PATTERNS, as JavaScript's. */
function luaToRegExp(pattern: string): RegExp {
  return new RegExp(
    pattern
      .replace(/\[%w_\]/g, '[A-Za-z0-9_]')
      .replace(/%a/g, '[A-Za-z]')
      .replace(/%w/g, '[A-Za-z0-9]')
      .replace(/%d/g, '[0-9]'),
  );
}

describe('member groups', () => {
  const groups: MemberGroup[] = [
    { kind: 'activity' },
    { kind: 'customObject', apiName: 'car_c', operation: 'UPSERT' },
    { kind: 'customObject', apiName: 'Device2', operation: 'DELETE' },
    { kind: 'listMembership', listId: 1042, action: 'REMOVE' },
    { kind: 'programStatus', programId: 7, status: 'Attended: On Demand' },
  ];

  it('name each group and read the name back to it', () => {
    for (const group of groups) {
      const name = groupName(group);
      expect(parseGroupName(name)).toEqual(group);
      expect(isIntakeGroup(name)).toBe(true);
      expect(
        MEMBER_GROUP_PATTERNS.some((p) => luaToRegExp(p).test(name)),
        name,
      ).toBe(true);
    }
    expect(groups.map(groupName)).toEqual([
      'A',
      'C:car_c:UPSERT',
      'C:Device2:DELETE',
      'M:1042:REMOVE',
      'S:7:Attended: On Demand',
    ]);
  });

  it('refuse a malformed parameter', () => {
    for (const bad of [
      'A:',
      'C::UPSERT',
      'C:1car:UPSERT',
      'C:car c:UPSERT',
      'C:car_c:MERGE',
      'M:0:ADD',
      'M:012:ADD',
      'M:12:add',
      'M:99999999999:ADD',
      'S:7:',
      'S:7: ',
      'S:7:a\u0001b',
      `S:7:${'x'.repeat(101)}`,
    ]) {
      expect(parseMemberGroupName(bad), bad).toBeUndefined();
      expect(isIntakeGroup(bad), bad).toBe(false);
    }
  });

  it('claim the fixed groups first, then the member groups by name', () => {
    expect(claimOrder(['S:7:Registered', 'L:Email', 'junk', 'A', 'M:3:ADD', 'L:Id'])).toEqual([
      'L:Id',
      'L:Email',
      'A',
      'M:3:ADD',
      'S:7:Registered',
    ]);
  });

  it('exist over REST only', () => {
    expect(memberTransportProblem('listMembership', 'rest')).toBeUndefined();
    expect(memberTransportProblem('activity', 'soap')).toMatch(
      /Custom activities do not exist over SOAP: .* MARKETO_TRANSPORT=rest/,
    );
  });
});

describe('lead references', () => {
  it('read exactly one key and format it for record keys', () => {
    expect(parseLeadRef({ Id: 5 })).toEqual({ Id: 5 });
    expect(leadRefText(parseLeadRef({ Email: 'Ann@X.com' }) as { Email: string })).toBe('Email:ann@x.com');
    expect(leadRefText({ ForeignSysPersonId: 'P-1' })).toBe('ForeignSysPersonId:P-1');
    expect(parseLeadRef({ Id: 5, Email: 'a@x.com' })).toEqual({
      problem: expect.stringMatching(/exactly one of Id, ForeignSysPersonId, Email \(has Id, Email\)/),
    });
    expect(parseLeadRef({ Id: -1 })).toEqual({ problem: 'Id must be a positive integer' });
    expect(parseLeadRef({ Email: '' })).toEqual({ problem: expect.stringMatching(/Email must be a text/) });
    expect(parseLeadRef('a@x.com')).toEqual({ problem: expect.stringMatching(/must be an object/) });
  });
});
