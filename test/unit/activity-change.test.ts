import { describe, expect, it } from 'vitest';
import { validateActivities } from '../../src/producer/activity-change.js';
import { deliveryKind, verifiedBeforeResend } from '../../src/worker/delivery-policy.js';
import type { StoredActivity } from '../../src/buffer/types.js';

/** The custom activity change format: what intake takes, what it refuses naming the field, and its delivery kind. */

const good = {
  lead: { Email: 'Ann@Example.com' },
  activityType: 'trialStarted',
  activityDate: '2026-12-07T06:56:35+01:00',
  primaryAttributeValue: 'pro',
  attributes: { seats: 5, trial: true },
};

describe('validateActivities', () => {
  it('stores a valid activity under a key that never merges, in group A, values as text', () => {
    const { valid, problems } = validateActivities([good, good], (i) => i, { transport: 'rest' });
    expect(problems).toEqual([]);
    expect(valid.map((v) => v.change.group)).toEqual(['A', 'A']);
    expect(valid[0]!.change.key).toBe('A:Email%3Aann%40example.com:trialStarted#');
    expect(valid[0]!.change.data).toEqual({
      lead: { Email: 'Ann@Example.com' },
      activityType: 'trialStarted',
      activityDate: '2026-12-07T06:56:35+01:00',
      primaryAttributeValue: 'pro',
      attributes: { seats: '5', trial: 'true' },
    });
  });

  it.each([
    [{ ...good, activityDate: '2026-12-07T06:56:35' }, 'activityDate'],
    [{ ...good, activityDate: '2026-12-07' }, 'activityDate'],
    [{ ...good, lead: { Email: 'a@x.com', Id: 4 } }, 'lead'],
    [{ ...good, lead: {} }, 'lead'],
    [{ ...good, activityType: 'has space' }, 'activityType'],
    [{ ...good, activityType: -3 }, 'activityType'],
    [{ ...good, primaryAttributeValue: '' }, 'primaryAttributeValue'],
    [{ ...good, attributes: { 'bad-name': 1 } }, 'attributes.bad-name'],
    [{ ...good, attributes: { nested: { a: 1 } } }, 'attributes.nested'],
    [{ ...good, extra: 1 }, '(record)'],
  ])('refuses %j naming %s', (input, field) => {
    const { valid, problems } = validateActivities([input], (i) => i + 1, { transport: 'rest' });
    expect(valid).toEqual([]);
    expect(problems.map((p) => [p.at, p.field])).toEqual([[1, field]]);
  });

  it('refuses every activity over SOAP, naming activityType', () => {
    const { valid, problems } = validateActivities([good], (i) => i, { transport: 'soap' });
    expect(valid).toEqual([]);
    expect(problems).toEqual([
      { at: 0, field: 'activityType', reason: expect.stringContaining('REST only') },
    ]);
  });
});

describe('the delivery kind of an activity', () => {
  const data = (activityType: string | number): StoredActivity => ({ ...good, activityType, attributes: {} });
  it('is a create checked before its resend, unless its type is delivered at least once', () => {
    const group = { kind: 'activity' } as const;
    expect(verifiedBeforeResend(group)).toBe(true);
    expect(deliveryKind(group, data('trialStarted'))).toBe('checked-create');
    expect(deliveryKind(group, data('trialStarted'), false, new Set(['trialStarted']))).toBe('idempotent');
    expect(deliveryKind(group, data(100002), false, new Set(['100002']))).toBe('idempotent');
    expect(deliveryKind(group, data(100001), false, new Set(['100002']))).toBe('checked-create');
  });
});
