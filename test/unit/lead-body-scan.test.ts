import { describe, expect, it } from 'vitest';
import type { TextChange } from '../../src/buffer/buffer.js';
import { validateLeads, type IntakeRules } from '../../src/producer/changes.js';
import { parseIngestText } from '../../src/producer/ingest-body.js';
import { scanLeadBody } from '../../src/producer/lead-body-scan.js';
import { seededRandom } from '../helpers/seeded.js';

/**
 * The general path of a lead body: parse, validate, and the buffer's JSON of each change's data; or
 * 'refused' when it finds any problem.
 */
function reference(text: string, rules: IntakeRules): TextChange[] | 'refused' {
  const body = parseIngestText(text, 'json');
  if (body.problems.length > 0) return 'refused';
  const validated = validateLeads(body.items, (i) => i, rules);
  if (validated.problems.length > 0) return 'refused';
  return validated.valid.map(({ change }) => {
    const out: TextChange = { key: change.key, group: change.group, dataText: JSON.stringify(change.data) };
    if (change.idempotencyKey !== undefined) out.idempotencyKey = change.idempotencyKey;
    return out;
  });
}

// Member texts per field, as a body would carry them: plain ones the scan takes, and variants it must
// either get exactly right or leave to the general path (escapes, number forms, names, odd values).
const FIELDS: Record<string, string[]> = {
  Email: [
    '"a@example.com"',
    '"A.B+c@Example.COM"',
    '"Ä@Example.COM"',
    '"smile\u{1F600}@e.com"',
    '" a@e.com "',
    '"a b/c?d@e.com"',
    '"\u00a0"',
    '""',
    '"  "',
    '"a\\u0040e.com"',
    '"x\\"y@e.com"',
    '"tab\there@e.com"',
    '"x\ufffe@e.com"',
    '"x\ud800@e.com"',
    '3',
    'null',
  ],
  Id: [
    '1',
    '42',
    '2147483647',
    '2147483648',
    '0',
    '-3',
    '1.5',
    '1.0',
    '1e2',
    '1E+2',
    '-0',
    '01',
    '"7"',
    '1.',
    '2e',
  ],
  attributes: [
    '{}',
    '{ }',
    '{"City":"Berlin","Score":5,"Opt":true,"Gone":null,"No":false}',
    '{"Big":1e21,"Neg":-0,"Small":5e-7,"F":0.10,"E":-12.5E-3}',
    '{"Huge":1E400}',
    '{"I15":123456789012345,"I16":1234567890123456,"I20":12345678901234567890,"Neg":-7,"Z":0,"E":12e3}',
    '{"F":12.50,"NegF":-0.5,"Lead0":-01,"Dot":7.}',
    '{"A":"x","A":"y"}',
    '{"__proto__":"x"}',
    '{"constructor":1}',
    '{"2":"two"}',
    '{"_x":"x"}',
    '{"First Name":"x"}',
    '{"Email":"\u00e4@x.com"}',
    '{"email":"a@x.com","EMAIL":"b\u00e9@x.com"}',
    '{"Bad":{}}',
    '{"Bad":[]}',
    '{"T":"a\\tb"}',
    '{"U":"x\uffff"}',
    '{"S":"\ud800"}',
    '{"L":"Zürich \u{1F600}"}',
    '{"N":nul}',
    '{"C":"a",}',
  ],
  dedupEnabled: ['true', 'false', '"false"', 'null', 'tru'],
  idempotencyKey: [
    '"k-1"',
    '"order:42:line:7"',
    `"${'x'.repeat(200)}"`,
    `"${'x'.repeat(201)}"`,
    '"has space"',
    '"caf\u00e9"',
    '""',
    '7',
  ],
  ForeignSysPersonId: ['"sf-1"'],
  ForeignSysType: ['"SFDC"'],
  surprise: ['"x"'],
  // Names that begin as a plain lead's fields do.
  Emails: ['"a@x.com"'],
  Idx: ['1'],
  attributesX: ['{}'],
  dedup: ['true'],
};
const PLAIN = ['Email', 'Id', 'attributes'];
/** Names that begin as a plain field's do (rarer, so that most bodies stay plain). */
const NEAR = ['Emails', 'Idx', 'attributesX', 'dedup'];
const SPACE = ['', '', '', ' ', '\n', '\t', '\r\n', '  '];

/** `json` with whitespace from `ws` around its punctuation (outside strings). */
function spaced(json: string, ws: () => string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"' && json[i - 1] !== '\\') quoted = !quoted;
    out += !quoted && '{}:,'.includes(c) ? `${ws()}${c}${ws()}` : c;
  }
  return out;
}

function generateBody(next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const ws = (): string => pick(SPACE);
  const items: string[] = [];
  const count = 1 + Math.floor(next() * 4);
  for (let k = 0; k < count; k++) {
    const members: string[] = [];
    for (const [field, values] of Object.entries(FIELDS)) {
      // The plain fields often, their first (plain) values mostly; the others now and then.
      const chance = PLAIN.includes(field)
        ? 0.7
        : field === 'dedupEnabled' || field === 'idempotencyKey'
          ? 0.25
          : NEAR.includes(field)
            ? 0.01
            : 0.04;
      if (next() >= chance) continue;
      const plain = next() < 0.7 ? values[Math.floor(next() * Math.min(3, values.length))]! : pick(values);
      const value = field === 'attributes' && next() < 0.3 ? spaced(plain, ws) : plain;
      members.push(`${ws()}"${field}"${ws()}:${ws()}${value}${ws()}`);
      if (next() < 0.02) members.push(`"${field}":${values[0]}`);
    }
    // Members in any order: the scan must not depend on it.
    for (let j = members.length - 1; j > 0; j--) {
      const r = Math.floor(next() * (j + 1));
      [members[j], members[r]] = [members[r]!, members[j]!];
    }
    items.push(`${ws()}{${members.join(',')}}${ws()}`);
  }
  const body = `${ws()}[${items.join(',')}]${ws()}`;
  const roll = next();
  if (roll < 0.02) return body.replace(/\]\s*$/, ',]');
  if (roll < 0.04) return `${body}x`;
  if (roll < 0.06) return items[0]!;
  if (roll < 0.07) return '[]';
  return body;
}

describe('the lead body scan', () => {
  for (const rules of [{}, { transport: 'rest' }] as IntakeRules[]) {
    it(`takes only bodies the general path accepts, with exactly its changes (${rules.transport ?? 'soap'} rules)`, () => {
      const next = seededRandom(rules.transport === 'rest' ? 20261208 : 20261207);
      let accepted = 0;
      let scanned = 0;
      for (let i = 0; i < 20_000; i++) {
        const text = generateBody(next);
        const scan = scanLeadBody(text, rules);
        const general = reference(text, rules);
        if (general !== 'refused') accepted++;
        if (scan === undefined) continue;
        scanned++;
        expect(general, text).not.toBe('refused');
        expect(scan, text).toStrictEqual(general);
      }
      // Both sides must be exercised, or the equivalence above proves nothing.
      expect(accepted).toBeGreaterThan(2_000);
      expect(accepted).toBeLessThan(17_000);
      expect(scanned).toBeGreaterThan(accepted * 0.4);
    });
  }

  it('takes the shape applications send, with keys, groups and the stored JSON', () => {
    const text = JSON.stringify([
      {
        Email: 'Ann@Example.com',
        attributes: { FirstName: 'Ann', LeadScore: 7, Unsubscribed: false, Fax: null },
      },
      { Id: 12, Email: 'b@example.com', dedupEnabled: true },
      { Email: 'c@example.com', dedupEnabled: false, idempotencyKey: 'order-9' },
    ]);
    expect(scanLeadBody(text)).toStrictEqual([
      {
        key: 'L:em:ann%40example.com',
        group: 'L:Email',
        dataText:
          '{"attributes":{"FirstName":"Ann","LeadScore":"7","Unsubscribed":"false","Fax":""},"Email":"Ann@Example.com"}',
      },
      { key: 'L:id:12', group: 'L:Id', dataText: '{"attributes":{},"Id":12,"Email":"b@example.com"}' },
      {
        key: 'L:em:c%40example.com#',
        group: 'L0',
        dataText: '{"attributes":{},"Email":"c@example.com"}',
        idempotencyKey: 'order-9',
      },
    ]);
  });

  it('takes attributes objects up to 64 names and leaves wider ones to the general path', () => {
    const lead = (names: number) =>
      JSON.stringify([
        {
          Email: 'a@x.com',
          attributes: Object.fromEntries(Array.from({ length: names }, (_, i) => [`A${i}`, i])),
        },
      ]);
    expect(scanLeadBody(lead(64))).toStrictEqual(reference(lead(64), {}));
    expect(scanLeadBody(lead(65))).toBeUndefined();
    expect(reference(lead(65), {})).not.toBe('refused');
  });

  it('leaves to the general path what it is not sure of', () => {
    for (const text of [
      '[{"Email":"a\\u0040e.com"}]',
      '[{"Email":"a@e.com","Email":"b@e.com"}]',
      '[{"ForeignSysPersonId":"x","ForeignSysType":"SFDC"}]',
      '[{"Email":"a@e.com","attributes":{"A":1,"A":2}}]',
      '[{"Email":"a@e.com"},]',
      '{"Email":"a@e.com"}',
      '[]',
      '[{"Email":"a@e.com"}] x',
    ])
      expect(scanLeadBody(text), text).toBeUndefined();
  });
});
