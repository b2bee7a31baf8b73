import { describe, expect, it } from 'vitest';
import { bufferedLead, leadChangeSchema, validateLeads } from '../../src/producer/changes.js';
import { fastLeadChange } from '../../src/producer/fast-lead.js';

// A small deterministic generator (mulberry32), so a failure names a reproducible case.
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MISSING = Symbol('missing');
// Per field, values zod accepts and values it refuses; each generated input takes a refused value for a
// field now and then, so both valid and invalid inputs come out often.
const pools: Record<string, { good: unknown[]; bad: unknown[] }> = {
  Id: {
    good: [MISSING, MISSING, 1, 42, 2147483647, undefined],
    bad: [2147483648, 0, -3, 1.5, '7', null, Number.NaN],
  },
  Email: {
    good: [MISSING, 'a@example.com', 'Ä@Example.COM', 'a b/c?d@e.com', undefined],
    bad: ['', 'x\u0001y@e.com', '\ud800@e.com', 3, null],
  },
  ForeignSysPersonId: { good: [MISSING, MISSING, MISSING, 'sf-1', 'a/b c'], bad: ['', 5] },
  ForeignSysType: { good: [MISSING, MISSING, MISSING, 'SFDC', 'CUSTOM', 'NETSUITE'], bad: ['sfdc', 1] },
  dedupEnabled: { good: [MISSING, MISSING, true, false], bad: ['false', null] },
  attributes: {
    good: [
      MISSING,
      {},
      { City: 'Berlin', Score: 5, Opt: true, Gone: null },
      { Big: 1e21, Neg: -0, Small: 5e-7, '2': 'two', '1': 'one' },
    ],
    bad: [
      { '': 'x' },
      { 'A\u0002': 'x' },
      { Bad: 'x\u0000' },
      { Bad: Number.POSITIVE_INFINITY },
      { Bad: [] },
      { Bad: {} },
      { Bad: undefined },
      [],
      null,
      'text',
    ],
  },
  extra: { good: [MISSING], bad: ['surprise'] },
};

function generate(next: () => number): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [field, { good, bad }] of Object.entries(pools)) {
    const pool = next() < 0.08 ? bad : good;
    const value = pool[Math.floor(next() * pool.length)];
    if (value !== MISSING) input[field] = value;
  }
  return input;
}

describe('the fast lead check', () => {
  it('accepts only what zod accepts, producing exactly the zod path’s buffered change', () => {
    const next = rng(20261122);
    let fast = 0;
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = generate(next);
      const zod = leadChangeSchema.safeParse(input);
      const quick = fastLeadChange(input);
      if (zod.success) valid++;
      if (quick === undefined) continue;
      fast++;
      expect(zod.success, JSON.stringify(input)).toBe(true);
      expect(quick, JSON.stringify(input)).toStrictEqual(bufferedLead(zod.data!));
    }
    // The generator must exercise both sides, or the equivalence above proves nothing.
    expect(valid).toBeGreaterThan(2_000);
    expect(valid).toBeLessThan(18_000);
    expect(fast).toBeGreaterThan(valid * 0.5);
  });

  it('takes the common shapes without zod', () => {
    for (const input of [
      { Email: 'a@example.com', attributes: { FirstName: 'Ann', LeadScore: 7, Unsubscribed: false } },
      { Id: 12, attributes: { City: null } },
      { ForeignSysPersonId: 'x-1', ForeignSysType: 'SFDC', dedupEnabled: false },
    ]) {
      expect(fastLeadChange(input)).toStrictEqual(bufferedLead(leadChangeSchema.parse(input)));
    }
  });

  it('leaves everything doubtful to zod, which names the field', () => {
    const result = validateLeads([
      { Email: 'ok@example.com' },
      { Email: 'x@e.com', attributes: { City: 'a\u0000' } },
    ]);
    expect(result.valid.map((v) => v.index)).toEqual([0]);
    expect(result.problems).toEqual([
      { at: 1, field: 'attributes.City', reason: 'contains a control character that XML 1.0 cannot carry' },
    ]);
  });
});
