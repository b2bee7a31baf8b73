import { describe, expect, it } from 'vitest';
import {
  boundText,
  groupName,
  leadGroupOf,
  MarketoCallError,
  objectGroupOf,
  parseGroupName,
  regroupLegacyBatch,
  type TransportGroup,
} from '../../src/transport/contract.js';

describe('transport-neutral batch groups', () => {
  it('a lead goes by its highest-precedence key, or to the no-dedup group', () => {
    expect(leadGroupOf({ Id: 1, Email: 'a@b.c', attributes: {} })).toEqual({
      kind: 'lead',
      key: 'Id',
      dedupEnabled: true,
    });
    expect(
      leadGroupOf({ ForeignSysPersonId: 'F', ForeignSysType: 'SFDC', Email: 'a@b.c', attributes: {} }),
    ).toMatchObject({
      key: 'ForeignSysPersonId',
    });
    expect(leadGroupOf({ Email: 'a@b.c', attributes: {} })).toMatchObject({ key: 'Email' });
    expect(leadGroupOf({ Id: 1, attributes: {} }, false)).toEqual({ kind: 'lead', dedupEnabled: false });
    expect(leadGroupOf({ attributes: {} } as { Email?: string })).toBeUndefined();
    expect(objectGroupOf({ type: 'Opportunity' }, 'UPSERT')).toEqual({
      kind: 'object',
      type: 'Opportunity',
      operation: 'UPSERT',
    });
    expect(objectGroupOf({ type: 'Car' }, 'UPSERT')).toBeUndefined();
  });

  it('names round-trip, and nothing else parses', () => {
    const groups: TransportGroup[] = [
      { kind: 'lead', key: 'Id', dedupEnabled: true },
      { kind: 'lead', key: 'ForeignSysPersonId', dedupEnabled: true },
      { kind: 'lead', key: 'Email', dedupEnabled: true },
      { kind: 'lead', dedupEnabled: false },
      { kind: 'object', type: 'Program', operation: 'UPDATE' },
      { kind: 'object', type: 'OpportunityPersonRole', operation: 'INSERT' },
    ];
    for (const g of groups) expect(parseGroupName(groupName(g))).toEqual(g);
    expect(groups.map(groupName)).toEqual([
      'L:Id',
      'L:ForeignSysPersonId',
      'L:Email',
      'L0',
      'O:Program:UPDATE',
      'O:OpportunityPersonRole:INSERT',
    ]);
    for (const bad of ['L', 'O:UPSERT', 'L:Phone', 'O:Car:UPSERT', 'O:Program:DELETE', ''])
      expect(parseGroupName(bad), bad).toBeUndefined();
  });

  it("a batch of an older release's group is split into transport groups, order kept", () => {
    const { parts, unplaced } = regroupLegacyBatch('L', [
      { Email: 'a@b.c', attributes: {} },
      { Id: 5, attributes: {} },
      { attributes: {} },
      { Email: 'd@e.f', attributes: {} },
    ]);
    expect(parts.map((p) => [groupName(p.group), p.indexes])).toEqual([
      ['L:Email', [0, 3]],
      ['L:Id', [1]],
    ]);
    expect(unplaced).toEqual([2]);
    const objects = regroupLegacyBatch('O:UPDATE', [
      { type: 'Program', id: 1 },
      { type: 'Opportunity' },
      { type: 'Program', id: 2 },
    ]);
    expect(objects.parts.map((p) => [groupName(p.group), p.indexes])).toEqual([
      ['O:Program:UPDATE', [0, 2]],
      ['O:Opportunity:UPDATE', [1]],
    ]);
    expect(regroupLegacyBatch('L0', [{ Email: 'x@y.z', attributes: {} }]).parts[0]!.group).toEqual({
      kind: 'lead',
      dedupEnabled: false,
    });
  });
});

describe('MarketoCallError', () => {
  it('bounds its message to 1 KB characters with the one cut marker', () => {
    const error = new MarketoCallError('é'.repeat(5_000), {
      category: 'transient',
      code: null,
      applied: 'not-sent',
    });
    expect(error.message.length).toBeLessThanOrEqual(1024 + '… [3976 characters cut]'.length);
    expect(error.message.endsWith('… [3976 characters cut]')).toBe(true);
    expect(error.message).not.toContain('\uFFFD');
    expect(boundText('short')).toBe('short');
  });

  it('carries the results settled before it without losing its details', () => {
    const error = new MarketoCallError('rate', {
      category: 'throttle',
      code: '606',
      applied: 'not-applied',
      retryAfterMs: 20_000,
    });
    const settled = error.withSettled([
      { status: 'CREATED', id: '1', code: null, category: null, message: null },
    ]);
    expect(settled).toMatchObject({
      category: 'throttle',
      code: '606',
      applied: 'not-applied',
      retryAfterMs: 20_000,
    });
    expect(settled.settled).toHaveLength(1);
    expect(error.settled).toHaveLength(0);
  });
});
