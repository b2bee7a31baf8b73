import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leadResults, objectResults, programResult, readEnvelope } from '../../src/rest/answer.js';
import { leadFieldTable, objectFieldTable } from '../../src/rest/describe.js';
import type { RestAnswer } from '../../src/rest/http.js';
import { MarketoCallError } from '../../src/transport/contract.js';

const example = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../fixtures/rest-examples', name), 'utf8');
const answer = (body: string, status = 200): RestAnswer => ({
  status,
  contentType: 'application/json',
  body,
});
const thrown = (fn: () => unknown): MarketoCallError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof MarketoCallError) return error;
    throw error;
  }
  throw new Error('expected a MarketoCallError');
};

describe("Adobe's documented example answers, parsed verbatim", () => {
  it('Sync Leads: three created leads, ids as text, in order', () => {
    const results = leadResults(readEnvelope(answer(example('sync-leads-created.json'))), 3);
    expect(results.map((r) => [r.status, r.id])).toEqual([
      ['CREATED', '50'],
      ['CREATED', '51'],
      ['CREATED', '52'],
    ]);
  });

  it('record level: a createOnly hit (1005) is SKIPPED with its code and message, no id', () => {
    const results = leadResults(readEnvelope(answer(example('record-level-skipped-1005.json'))), 3);
    expect(results[2]).toEqual({
      status: 'SKIPPED',
      id: null,
      code: '1005',
      category: null,
      message: '1005 Lead already exists',
    });
  });

  it('response level: 601 is a re-auth error Marketo did not execute', () => {
    const error = thrown(() => readEnvelope(answer(example('response-level-601.json'))));
    expect(error).toMatchObject({ category: 're-auth', code: '601', applied: 'not-applied' });
    expect(error.message).toContain('601 Unauthorized');
  });

  it('Sync Opportunities: results matched by seq, marketoGUID as the id', () => {
    const results = objectResults(readEnvelope(answer(example('sync-opportunities.json'))), 2);
    expect(results.map((r) => [r.status, r.id])).toEqual([
      ['UPDATED', 'dff23271-f996-47d7-984f-f2676861b5fb'],
      ['CREATED', 'cff23271-f996-47d7-984f-f2676861b5fb'],
    ]);
  });

  it('Update Program: the program is UPDATED under its id', () => {
    const result = programResult(readEnvelope(answer(example('update-program.json'))), 1110);
    expect(result).toMatchObject({ status: 'UPDATED', id: '1110' });
    expect(() => programResult(readEnvelope(answer(example('update-program.json'))), 1111)).toThrow(
      MarketoCallError,
    );
  });

  it('Describe Opportunities: the fields and which are updateable', () => {
    const table = objectFieldTable(readEnvelope(answer(example('describe-opportunities.json'))));
    expect(table.find('externalOpportunityId')).toMatchObject({ dataType: 'string', readOnly: true });
    expect(table.find('marketoGUID')?.readOnly).toBe(true);
  });

  it('Describe Leads as published is not JSON (a bracket is missing): refused as malformed, not guessed', () => {
    const error = thrown(() => readEnvelope(answer(example('describe-leads.json'))));
    expect(error).toMatchObject({ category: 'transient', code: 'malformed-answer' });
    // With the bracket restored, SOAP and REST names both lead to the REST field.
    const repaired = example('describe-leads.json').replace(/}\s*}\s*$/, '}]}');
    const table = leadFieldTable(readEnvelope(answer(repaired)));
    expect(table.find('Company')?.name).toBe('company');
    expect(table.find('company')?.name).toBe('company');
  });

  it('the Identity answer carries the token and its remaining life', () => {
    const body = JSON.parse(example('identity-token.json')) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3599 });
  });

  it('a result without a status (Push Lead example) is FAILED as indeterminate, never guessed', () => {
    const results = leadResults(readEnvelope(answer(example('push-leads-reason-without-status.json'))), 3);
    expect(results[2]).toMatchObject({ status: 'FAILED', id: '3525', category: 'indeterminate' });
  });
});

describe('answers that do not say what happened to each record', () => {
  const ok = (result: unknown[]) => answer(JSON.stringify({ requestId: 'r', success: true, result }));

  it('a result count other than the records sent is indeterminate', () => {
    const error = thrown(() => leadResults(readEnvelope(ok([{ id: 1, status: 'created' }])), 2));
    expect(error).toMatchObject({ category: 'indeterminate', applied: 'indeterminate' });
  });

  it('a missing or duplicate seq is indeterminate', () => {
    const dup = ok([
      { seq: 0, status: 'created', marketoGUID: 'a' },
      { seq: 0, status: 'created', marketoGUID: 'b' },
    ]);
    expect(thrown(() => objectResults(readEnvelope(dup), 2)).code).toBe('result-seq-mismatch');
  });

  it('a truncated or non-JSON body may have been applied', () => {
    expect(thrown(() => readEnvelope(answer('{"success":true,"result":[{"id"')))).toMatchObject({
      code: 'malformed-answer',
      applied: 'indeterminate',
    });
    expect(thrown(() => readEnvelope(answer('<html>Bad Gateway</html>', 502)))).toMatchObject({
      code: 'http:502',
      category: 'transient',
      applied: 'indeterminate',
    });
  });

  it("Swagger's singular `reason` object is read as well as the documented `reasons` array", () => {
    const results = leadResults(
      readEnvelope(ok([{ status: 'skipped', reason: { code: '1004', message: 'Lead not found' } }])),
      1,
    );
    expect(results[0]).toMatchObject({ status: 'FAILED', code: '1004' });
  });

  it('bounds Marketo texts to 1 KB', () => {
    const long = 'x'.repeat(50_000);
    const error = thrown(() =>
      readEnvelope(answer(JSON.stringify({ success: false, errors: [{ code: '611', message: long }] }))),
    );
    // 1 KB of text and the marker that says how much was cut.
    const bound = 1024 + '… [99999 characters cut]'.length;
    expect(error.message.length).toBeLessThanOrEqual(bound);
    expect(error.message).toMatch(/characters cut\]/);
    const results = leadResults(
      readEnvelope(ok([{ status: 'skipped', reasons: [{ code: '1006', message: long }] }])),
      1,
    );
    expect(results[0]!.message!.length).toBeLessThanOrEqual(bound);
    expect(results[0]!.message).toMatch(/characters cut\]/);
  });
});

describe('ids and codes from a hostile answer', () => {
  const ok = (result: unknown[]) => answer(JSON.stringify({ requestId: 'r', success: true, result }));

  it.each([
    ['beyond a safe integer', 2 ** 53 + 2],
    ['beyond a safe integer, as text', '99999999999999999999'],
    ['a fraction', 1.5],
    ['negative', -3],
    ['zero', 0],
    ['not a number', 'abc'],
  ])('a lead id %s makes the answer malformed, not a success', (_, id) => {
    const error = thrown(() => leadResults(readEnvelope(ok([{ id, status: 'created' }])), 1));
    expect(error).toMatchObject({ code: 'malformed-answer', applied: 'indeterminate' });
  });

  it('a marketoGUID longer than a text is kept makes the answer malformed', () => {
    const guid = 'g'.repeat(2_000_000);
    const error = thrown(() =>
      objectResults(readEnvelope(ok([{ seq: 0, status: 'created', marketoGUID: guid }])), 1),
    );
    expect(error).toMatchObject({ code: 'malformed-answer', applied: 'indeterminate' });
  });

  it('a code that is no Marketo code (100,000 characters) makes the answer malformed, with a bounded message', () => {
    const code = '6'.repeat(100_000);
    for (const body of [
      JSON.stringify({ success: false, errors: [{ code, message: 'm' }] }),
      JSON.stringify({ success: true, result: [{ status: 'skipped', reasons: [{ code, message: 'm' }] }] }),
    ]) {
      const error = thrown(() => leadResults(readEnvelope(answer(body)), 1));
      expect(error).toMatchObject({ code: 'malformed-answer', applied: 'indeterminate' });
      expect(error.message.length).toBeLessThan(200);
    }
  });
});

/** An array nested `depth` levels deep, as JSON (200 KB for 100,000 levels, under the answer bound). */
const deep = (depth = 100_000): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('values of the wrong type, however deep, are checked before they are used or printed', () => {
  const ok = (result: unknown[]) => answer(JSON.stringify({ requestId: 'r', success: true, result }));
  const cases: [string, () => unknown][] = [
    [
      'a lead id',
      () =>
        leadResults(
          readEnvelope(answer(`{"success":true,"result":[{"id":${deep()},"status":"created"}]}`)),
          1,
        ),
    ],
    [
      'an opportunity seq',
      () =>
        objectResults(
          readEnvelope(
            answer(`{"success":true,"result":[{"seq":${deep()},"status":"created","marketoGUID":"g"}]}`),
          ),
          1,
        ),
    ],
    [
      'a program id',
      () => programResult(readEnvelope(answer(`{"success":true,"result":[{"id":${deep()}}]}`)), 1001),
    ],
    [
      'an errors[].code',
      () => readEnvelope(answer(`{"success":false,"errors":[{"code":${deep()},"message":"m"}]}`)),
    ],
    [
      'a reasons[].code',
      () =>
        leadResults(
          readEnvelope(
            answer(
              `{"success":true,"result":[{"status":"skipped","reasons":[{"code":${deep()},"message":"m"}]}]}`,
            ),
          ),
          1,
        ),
    ],
    [
      'a record status',
      () => leadResults(readEnvelope(answer(`{"success":true,"result":[{"id":1,"status":${deep()}}]}`)), 1),
    ],
  ];
  it.each(cases)('%s 100,000 levels deep: malformed or indeterminate, never a RangeError', (_what, read) => {
    let outcome: unknown;
    try {
      outcome = read();
    } catch (error) {
      expect(error).toBeInstanceOf(MarketoCallError);
      expect((error as MarketoCallError).applied).toBe('indeterminate');
      expect((error as MarketoCallError).message.length).toBeLessThan(300);
      return;
    }
    // Only a record status may stay a per-record result: FAILED, indeterminate.
    expect(outcome).toMatchObject([{ status: 'FAILED', category: 'indeterminate' }]);
  });

  it('a success with no identifier is not a success: the record is indeterminate, a program answer [{}] malformed', () => {
    expect(leadResults(readEnvelope(ok([{ status: 'created' }])), 1)[0]).toMatchObject({
      status: 'FAILED',
      category: 'indeterminate',
    });
    expect(objectResults(readEnvelope(ok([{ seq: 0, status: 'updated' }])), 1)[0]).toMatchObject({
      status: 'FAILED',
      category: 'indeterminate',
    });
    expect(thrown(() => programResult(readEnvelope(ok([{}])), 1001))).toMatchObject({
      category: 'indeterminate',
      applied: 'indeterminate',
    });
    // A skipped record carries no id, by the rules.
    expect(
      leadResults(readEnvelope(ok([{ status: 'skipped', reasons: [{ code: '1005' }] }])), 1)[0],
    ).toMatchObject({
      status: 'SKIPPED',
    });
  });
});
