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
    good: [
      MISSING,
      'a@example.com',
      'Ä@Example.COM',
      'a b/c?d@e.com',
      ' a@e.com',
      'smile\u{1F600}@e.com',
      'tab\there\r\n@e.com',
      "o'neil+x~y@e.com",
      undefined,
    ],
    bad: [
      '',
      ' ',
      '\t \n',
      'x\u0001y@e.com',
      '\ud800@e.com',
      'x@e.com\ud83d',
      '\udc00x@e.com',
      'x\ufffe@e.com',
      'x\uffff@e.com',
      'x\u001f@e.com',
      3,
      null,
    ],
  },
  ForeignSysPersonId: { good: [MISSING, MISSING, MISSING, 'sf-1', 'a/b c'], bad: ['', '  ', 5] },
  ForeignSysType: { good: [MISSING, MISSING, MISSING, 'SFDC', 'CUSTOM', 'NETSUITE'], bad: ['sfdc', 1] },
  dedupEnabled: { good: [MISSING, MISSING, true, false], bad: ['false', null] },
  idempotencyKey: {
    good: [MISSING, MISSING, 'k-1', 'order:42:line:7', 'x'.repeat(200), undefined],
    bad: ['', 'has space', 'x'.repeat(201), 'caf\u00e9', 'a\u0000', 7, null],
  },
  attributes: {
    good: [
      MISSING,
      {},
      { City: 'Berlin', Score: 5, Opt: true, Gone: null },
      { Big: 1e21, Neg: -0, Small: 5e-7, a2: 'two', B_1: 'one' },
      { Emoji: '\u{1F600}', Lines: 'a\tb\r\nc', City: 'Zürich' },
    ],
    bad: [
      // JSON.parse makes __proto__ an own key, as an HTTP body or NDJSON line would.
      JSON.parse('{"__proto__": "x", "City": "y"}') as unknown,
      JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
      { constructor: 'x' },
      { prototype: 1 },
      { 'First Name': 'x' },
      { 'a<b': 'x' },
      { 'A&B': 'x' },
      { '2': 'two' },
      { _x: 'x' },
      { 'Tab\there': 'x' },
      { '': 'x' },
      { 'A\u0002': 'x' },
      { Bad: 'x\u0000' },
      { Bad: 'x\uffff' },
      { Bad: '\udc00' },
      { Bad: 'x\ud800' },
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

  it('refuses names Marketo cannot hold, reserved names and blank keys, naming each', () => {
    const result = validateLeads(
      JSON.parse(
        JSON.stringify([
          { Email: 'a@example.com', attributes: { 'First Name': 'x', 'a<b': 1, 'A&B': 2, 'C\u0001': 3 } },
          { Email: ' ' },
          { Email: 'b@example.com', attributes: { constructor: 1, prototype: 2 } },
        ]).replace('"attributes":{"constructor"', '"attributes":{"__proto__":{"x":1},"constructor"'),
      ) as unknown[],
    );
    expect(result.valid).toEqual([]);
    const named = result.problems.map((p) => `${p.at} ${p.field}: ${p.reason}`);
    expect(named).toEqual([
      '0 attributes.First Name: the name "First Name" is not one Marketo can hold: a letter, then letters, digits or underscores',
      '0 attributes.a<b: the name "a<b" is not one Marketo can hold: a letter, then letters, digits or underscores',
      '0 attributes.A&B: the name "A&B" is not one Marketo can hold: a letter, then letters, digits or underscores',
      '0 attributes.C\u0001: the name "C\\u0001" is not one Marketo can hold: a letter, then letters, digits or underscores',
      '1 Email: cannot be empty or blank',
      '2 attributes.__proto__: the name "__proto__" is reserved and cannot be used',
      '2 attributes.constructor: the name "constructor" is reserved and cannot be used',
      '2 attributes.prototype: the name "prototype" is reserved and cannot be used',
    ]);
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
