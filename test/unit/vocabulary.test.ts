import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BATCH_GROUPS,
  INTAKE_GROUPS,
  LEGACY_GROUPS,
  TRANSPORT_GROUPS,
  groupName,
  isBatchGroup,
  isLeadGroup,
  leadGroupNameOf,
  mergedGroup,
  parseGroupName,
  parseLegacyGroupName,
  type BatchGroup,
} from '../../src/vocabulary/batch-groups.js';
import { LEAD_KEY_KINDS, leadKeyKindOf } from '../../src/vocabulary/lead-key-kinds.js';
import { OBJECT_OPERATIONS, type ObjectOperation } from '../../src/vocabulary/object-operations.js';
import {
  OBJECT_TYPE_OPERATIONS,
  OBJECT_TYPE_TRANSPORTS,
  OBJECT_TYPES,
  operationProblem,
  transportProblem,
  type ObjectType,
} from '../../src/vocabulary/object-types.js';
import {
  OUTCOME_STATUSES,
  RECORD_STATUSES,
  isSuccess,
  parseOutcomeStatus,
} from '../../src/vocabulary/outcome-statuses.js';
import { validateMObjects } from '../../src/producer/changes.js';

describe('the vocabulary', () => {
  it('names every group of every list once, and reads each name back to its group', () => {
    expect(new Set(BATCH_GROUPS).size).toBe(BATCH_GROUPS.length);
    expect(TRANSPORT_GROUPS).toHaveLength(
      LEAD_KEY_KINDS.length + 1 + OBJECT_TYPES.length * OBJECT_OPERATIONS.length,
    );
    for (const name of TRANSPORT_GROUPS) expect(groupName(parseGroupName(name)!)).toBe(name);
    for (const name of LEGACY_GROUPS) {
      expect(parseGroupName(name), name).toBeUndefined();
      expect(parseLegacyGroupName(name), name).toBeDefined();
    }
    for (const bad of ['', 'L:', 'L:Phone', 'O:Car:UPSERT', 'O:Opportunity:DELETE', 'O:DELETE', 'X'])
      expect(isBatchGroup(bad), bad).toBe(false);
    expect(BATCH_GROUPS.filter(isLeadGroup)).toEqual(['L:Id', 'L:ForeignSysPersonId', 'L:Email', 'L0', 'L']);
  });

  it('lets intake write every lead group and the object groups of each type’s operations, nothing else', () => {
    expect(INTAKE_GROUPS).toEqual([
      'L:Id',
      'L:ForeignSysPersonId',
      'L:Email',
      'L0',
      'O:Program:UPDATE',
      'O:Opportunity:INSERT',
      'O:Opportunity:UPDATE',
      'O:Opportunity:UPSERT',
      'O:OpportunityPersonRole:INSERT',
      'O:OpportunityPersonRole:UPDATE',
      'O:OpportunityPersonRole:UPSERT',
      'O:Company:INSERT',
      'O:Company:UPDATE',
      'O:Company:UPSERT',
    ]);
    expect(operationProblem('Program', 'INSERT')).toBe('Program takes UPDATE only');
    expect(operationProblem('Opportunity', 'INSERT')).toBeUndefined();
  });

  it('refuses at intake, naming the field, a change of a group no transport carries', () => {
    const { valid, problems } = validateMObjects([
      { type: 'Program', operation: 'UPSERT', id: 1 },
      { type: 'Car', operation: 'UPSERT', id: 1 },
    ]);
    expect(valid).toEqual([]);
    expect(problems).toEqual([
      { at: 0, field: 'operation', reason: 'Program takes UPDATE only' },
      expect.objectContaining({ at: 1, field: 'type' }),
    ]);
  });

  it('says which transports carry each type, and intake refuses a Company over SOAP naming the field', () => {
    expect(OBJECT_TYPES.filter((t) => !OBJECT_TYPE_TRANSPORTS[t].includes('soap'))).toEqual(['Company']);
    expect(transportProblem('Company', 'rest')).toBeUndefined();
    expect(transportProblem('Opportunity', 'soap')).toBeUndefined();
    const change = {
      type: 'Company',
      operation: 'UPSERT',
      externalKey: { name: 'externalCompanyId', value: 'C-1' },
      attributes: { company: 'Acme' },
    };
    // No transport given is SOAP, the workers' default.
    for (const rules of [{}, { transport: 'soap' as const }]) {
      const { valid, problems } = validateMObjects([change], (i) => i, rules);
      expect(valid).toEqual([]);
      expect(problems).toEqual([
        {
          at: 0,
          field: 'type',
          reason:
            'Company does not exist over SOAP: Marketo offers it over REST only (set MARKETO_TRANSPORT=rest for the workers and intake)',
        },
      ]);
    }
    const rest = validateMObjects([change], (i) => i, { transport: 'rest' });
    expect(rest.problems).toEqual([]);
    expect(rest.valid.map((v) => [v.change.group, v.change.key])).toEqual([
      ['O:Company:UPSERT', 'O:Company:ek:externalCompanyId=C-1'],
    ]);
  });

  it('picks a lead’s group by its highest-precedence key', () => {
    expect(leadKeyKindOf({ Email: 'a@b.c', Id: 1 })).toBe('Id');
    expect(leadGroupNameOf({ Email: 'a@b.c', ForeignSysPersonId: 'F' })).toBe('L:ForeignSysPersonId');
    expect(leadGroupNameOf({ Email: 'a@b.c' })).toBe('L:Email');
    expect(leadGroupNameOf({ Email: 'a@b.c' }, false)).toBe('L0');
    expect(leadGroupNameOf({})).toBeUndefined();
  });

  it('merges an UPDATE and an UPSERT of a record into the UPSERT group of the newer naming', () => {
    const cases: [BatchGroup, BatchGroup, BatchGroup][] = [
      ['O:Opportunity:UPDATE', 'O:Opportunity:UPSERT', 'O:Opportunity:UPSERT'],
      ['O:Opportunity:UPSERT', 'O:Opportunity:UPDATE', 'O:Opportunity:UPSERT'],
      ['O:UPDATE', 'O:Opportunity:UPSERT', 'O:Opportunity:UPSERT'],
      ['O:UPSERT', 'O:Opportunity:UPDATE', 'O:Opportunity:UPSERT'],
      ['O:Opportunity:UPDATE', 'O:UPSERT', 'O:UPSERT'],
      ['O:UPDATE', 'O:UPDATE', 'O:UPDATE'],
      ['O:Opportunity:UPDATE', 'O:Opportunity:UPDATE', 'O:Opportunity:UPDATE'],
      ['L', 'L:Email', 'L:Email'],
      ['L:Email', 'L:Id', 'L:Id'],
    ];
    for (const [older, newer, merged] of cases)
      expect(mergedGroup(older, newer), `${older} + ${newer}`).toBe(merged);
  });

  it('lists the outcome statuses a record can end in, and which mean Marketo holds what was sent', () => {
    expect(OUTCOME_STATUSES).toEqual([...RECORD_STATUSES, 'INDETERMINATE', 'PROBABLY_CREATED']);
    expect(parseOutcomeStatus('DELETED')).toBeUndefined();
    expect(OUTCOME_STATUSES.filter(isSuccess)).toEqual(['CREATED', 'UPDATED', 'UNCHANGED']);
  });

  it('does not compile a type added to the vocabulary without its operations (its route)', () => {
    // A type beside today's, as a new entry in OBJECT_TYPES would make it.
    type Extended = ObjectType | 'Car';
    // @ts-expect-error Property 'Car' is missing: the table is a Record over every type.
    const missing: Readonly<Record<Extended, readonly ObjectOperation[]>> = { ...OBJECT_TYPE_OPERATIONS };
    const complete: Readonly<Record<Extended, readonly ObjectOperation[]>> = {
      ...OBJECT_TYPE_OPERATIONS,
      Car: ['UPSERT'],
    };
    expect(Object.keys(missing)).toEqual([...OBJECT_TYPES]);
    expect(Object.keys(complete)).toHaveLength(OBJECT_TYPES.length + 1);
    expectTypeOf(OBJECT_TYPE_OPERATIONS).toEqualTypeOf<
      Readonly<Record<ObjectType, readonly ObjectOperation[]>>
    >();
  });
});
