import { describe, expect, it } from 'vitest';
import { membershipKey, programStatusKey, validateMemberships } from '../../src/producer/member-changes.js';

const rest = { transport: 'rest' as const };

describe('membership change format', () => {
  it('accepts list and program status changes with their groups and record keys', () => {
    const out = validateMemberships(
      [
        { listId: 7001, lead: { Email: 'Ann@Example.com' }, action: 'ADD', idempotencyKey: 'k-1' },
        { programId: 1001, lead: { Id: 42 }, status: 'Attended' },
        { listId: 7001, lead: { ForeignSysPersonId: 'P 1' }, action: 'REMOVE' },
      ],
      undefined,
      rest,
    );
    expect(out.problems).toEqual([]);
    expect(out.valid.map((v) => [v.change.key, v.change.group, v.change.idempotencyKey])).toEqual([
      ['M:7001:Email:ann%40example.com', 'M:7001:ADD', 'k-1'],
      ['S:1001:Id:42', 'S:1001:Attended', undefined],
      ['M:7001:ForeignSysPersonId:P%201', 'M:7001:REMOVE', undefined],
    ]);
    expect(out.valid[1]!.change.data).toEqual({ programId: 1001, lead: { Id: 42 }, status: 'Attended' });
  });

  it('keys per (list, lead) and (program, lead), whatever the action or status', () => {
    expect(membershipKey(1, { Email: 'A@x.com' })).toBe(membershipKey(1, { Email: 'a@X.COM' }));
    expect(programStatusKey(5, { Id: 9 })).toBe('S:5:Id:9');
  });

  it('refuses bad changes naming the item and the field', () => {
    const out = validateMemberships(
      [
        { listId: 0, lead: { Id: 1 }, action: 'ADD' },
        { listId: 7001, lead: { Id: 1, Email: 'a@x.com' }, action: 'ADD' },
        { listId: 7001, lead: { Id: 1 }, action: 'ADDED' },
        { programId: 1001, lead: { Id: 1 }, status: '' },
        { programId: 1001, lead: { Id: 1 }, status: 'Attended', action: 'ADD' },
        { listId: 1, programId: 2, lead: { Id: 1 } },
        { lead: { Id: 1 } },
        'nope',
      ],
      (i) => i + 1,
      rest,
    );
    expect(out.valid).toEqual([]);
    expect(out.problems.map((p) => [p.at, p.field])).toEqual([
      [1, 'listId'],
      [2, 'lead'],
      [3, 'action'],
      [4, 'status'],
      [5, 'action'],
      [6, '(record)'],
      [7, '(record)'],
      [8, '(record)'],
    ]);
    expect(out.problems[1]!.reason).toMatch(/exactly one of Id, .*Email/);
  });

  it('refuses every membership change over SOAP, saying so', () => {
    const out = validateMemberships([
      { listId: 7001, lead: { Id: 1 }, action: 'ADD' },
      { programId: 1001, lead: { Id: 1 }, status: 'Invited' },
    ]);
    expect(out.valid).toEqual([]);
    expect(out.problems).toEqual([
      { at: 0, field: 'listId', reason: expect.stringMatching(/REST only.*SOAP/) },
      { at: 1, field: 'programId', reason: expect.stringMatching(/REST only.*SOAP/) },
    ]);
  });
});
