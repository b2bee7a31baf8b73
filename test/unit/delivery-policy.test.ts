import { describe, expect, it } from 'vitest';
import { CALL_ERROR_CATEGORIES as ERROR_CATEGORIES, parseGroupName } from '../../src/transport/contract.js';
import { deliveryKind, FAILURE_ACTIONS, failureAction, policyRow } from '../../src/worker/delivery-policy.js';

const L = parseGroupName('L:Email')!;
const L0 = parseGroupName('L0')!;
const INSERT = parseGroupName('O:Opportunity:INSERT')!;
const UPDATE = parseGroupName('O:Opportunity:UPDATE')!;
const UPSERT = parseGroupName('O:Opportunity:UPSERT')!;
const PROGRAM = parseGroupName('O:Program:UPDATE')!;

const lead = { Email: 'a@example.com', attributes: {} };
const keyed = { type: 'Opportunity', externalKey: { name: 'crmId', value: 'o-1' } };
const byId = { type: 'Opportunity', id: 7 };
const unkeyed = { type: 'Opportunity', attributes: { Name: 'x' } };

describe('delivery policy', () => {
  it('tells idempotent records from creates, and creates Marketo can check from those it cannot', () => {
    expect(deliveryKind(L, lead)).toBe('idempotent');
    expect(deliveryKind(UPDATE, keyed)).toBe('idempotent');
    expect(deliveryKind(UPSERT, keyed)).toBe('idempotent');
    expect(deliveryKind(L0, lead)).toBe('create');
    expect(deliveryKind(INSERT, unkeyed)).toBe('create');
    expect(deliveryKind(INSERT, keyed)).toBe('checked-create');
    expect(deliveryKind(INSERT, byId)).toBe('checked-create');
    const cost = (attributes: Record<string, string>) => ({
      type: 'Program',
      id: 1001,
      typeAttributes: [{ attrType: 'Cost', attributes }],
    });
    expect(deliveryKind(PROGRAM, cost({ Month: '2026-11', Amount: '5' }))).toBe('create');
    expect(deliveryKind(PROGRAM, cost({ Id: '3001', Amount: '5' }))).toBe('idempotent');
    expect(
      deliveryKind(PROGRAM, {
        type: 'Program',
        id: 1001,
        typeAttributes: [{ attrType: 'Tag', attributes: { Type: 'Channel', Value: 'Webinar' } }],
      }),
    ).toBe('idempotent');
  });

  it('never resends a create after a failure that may have come after Marketo applied it', () => {
    expect(failureAction('indeterminate', L0, lead)).toBe('indeterminate');
    expect(failureAction('indeterminate', INSERT, unkeyed)).toBe('indeterminate');
    expect(failureAction('indeterminate', INSERT, keyed)).toBe('resend-checked');
    expect(failureAction('indeterminate', L, lead)).toBe('retry');
    expect(failureAction('indeterminate', UPSERT, keyed)).toBe('retry');
  });

  it('resends anything after a failure known to have come before Marketo received the call', () => {
    for (const category of ['transient', 're-auth'] as const) {
      expect(failureAction(category, L0, lead)).toBe('retry');
      expect(failureAction(category, INSERT, unkeyed)).toBe('retry');
      expect(failureAction(category, L, lead)).toBe('retry');
    }
  });

  it('has a row for every category, and only the indeterminate row depends on the kind of record', () => {
    expect(Object.keys(FAILURE_ACTIONS).sort()).toEqual([...ERROR_CATEGORIES].sort());
    for (const category of ERROR_CATEGORIES) {
      const row = new Set(Object.values(FAILURE_ACTIONS[category]));
      expect(row.size, category).toBe(category === 'indeterminate' ? 3 : 1);
    }
    expect(FAILURE_ACTIONS.throttle.create).toBe('pause');
    expect(FAILURE_ACTIONS.quota.create).toBe('park');
    expect(FAILURE_ACTIONS.auth.create).toBe('stop');
    expect(FAILURE_ACTIONS['invalid-record'].create).toBe('split');
    expect(FAILURE_ACTIONS['invalid-request'].create).toBe('dead-letter');
    expect(FAILURE_ACTIONS['read-only'].create).toBe('hold');
  });

  it('takes the row of doubt from what is known about the call, not from its category alone', () => {
    // REST's call-level 502: transient, but Marketo may have run it.
    expect(policyRow('transient', 'indeterminate')).toBe('indeterminate');
    expect(failureAction('transient', L0, lead, 'indeterminate')).toBe('indeterminate');
    expect(failureAction('transient', INSERT, keyed, 'indeterminate')).toBe('resend-checked');
    // Known not to have left (e.g. a failed Describe before the records' request): never indeterminate.
    expect(policyRow('indeterminate', 'not-sent')).toBe('transient');
    expect(failureAction('indeterminate', L0, lead, 'not-sent')).toBe('retry');
    expect(policyRow('throttle', 'not-applied')).toBe('throttle');
  });
});
