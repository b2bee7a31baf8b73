import {
  boundText,
  MarketoCallError,
  MAX_TEXT_BYTES,
  type ConfigSetting,
  type RecordResult,
} from '../transport/contract.js';
import { callCodeMeaning, httpStatusMeaning, recordCodeMeaning } from './codes.js';
import type { RestAnswer } from './http.js';
import { asObject, parseJsonBounded } from './json.js';

/**
 * Reading Marketo's REST answers: the envelope (`success`, `errors`, `result`), then one result per
 * record. Anything that does not say what happened to each record is indeterminate.
 */

/** Longest code kept: Marketo's are 3 or 4 digits; a longer one is not Marketo's. */
const MAX_CODE_BYTES = 32;

/**
 * A value read from an answer, described for a message without converting it: `String()` or
 * `Number()` on an array 100,000 levels deep overflows the stack, and a long text must not grow a
 * message. Texts and numbers are shown (bounded); anything else by its kind.
 */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(boundText(value, 40));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

/** A code as Marketo sends it: digits as a text or a number; undefined when it is anything else. */
function codeText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value === 'string' && value.trim() !== '' && Buffer.byteLength(value) <= MAX_CODE_BYTES)
    return value.trim();
  return undefined;
}

/**
 * Marketo's `{code, message}` pairs as one bounded text, every value checked for its type first; a
 * code that is not a short text or an integer makes the whole answer malformed.
 */
export function describeErrors(list: unknown[]): { code: string | null; text: string } {
  const pairs = list.map((e) => {
    const o = asObject(e);
    if (o?.code !== undefined && o.code !== null && codeText(o.code) === undefined)
      throw malformed(`an error code that is ${shown(o.code)}`);
    return {
      code: o?.code === undefined || o.code === null ? null : codeText(o.code)!,
      message: typeof o?.message === 'string' ? boundText(o.message) : '',
    };
  });
  return {
    code: pairs[0]?.code ?? null,
    text: boundText(pairs.map((p) => `${p.code ?? '?'} ${p.message}`.trim()).join('; ')),
  };
}

const malformed = (why: string): MarketoCallError =>
  new MarketoCallError(`Marketo's answer was not understood: ${why}`, {
    category: 'transient',
    code: 'malformed-answer',
    applied: 'indeterminate',
  });

/**
 * The `result` array of a successful answer, or a {@link MarketoCallError} for an HTTP error, a
 * `success: false` answer, or an answer of another shape. `setting` is the one a configuration fault
 * (HTTP 404, a redirect, 610) names.
 */
export function readEnvelope(
  answer: RestAnswer,
  setting: ConfigSetting = 'MARKETO_REST_ENDPOINT',
): unknown[] {
  const body = readEnvelopeBody(answer, setting);
  if (!Array.isArray(body.result)) throw malformed('success without a result array');
  return body.result;
}

/**
 * The whole body of a successful answer (for the reads whose answer is more than `result`: a paging
 * token, `moreResult`), or the {@link MarketoCallError} {@link readEnvelope} throws.
 */
export function readEnvelopeBody(
  answer: RestAnswer,
  setting: ConfigSetting = 'MARKETO_REST_ENDPOINT',
): Record<string, unknown> {
  if (answer.status !== 200) {
    const meaning = httpStatusMeaning(answer.status);
    const details: ConstructorParameters<typeof MarketoCallError>[1] = {
      category: meaning.category,
      code: `http:${answer.status}`,
      applied: meaning.applied ?? 'indeterminate',
      httpStatus: answer.status,
    };
    const retryAfterMs = answer.retryAfterMs ?? meaning.retryAfterMs;
    if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
    // A Retry-After header says how long; without one, the wait is the rate window's.
    if (meaning.rateWindow === true && answer.retryAfterMs === undefined) details.rateWindow = true;
    if (meaning.category === 'config') details.setting = setting;
    const to = answer.location === undefined ? '' : ` to ${answer.location}`;
    throw new MarketoCallError(`Marketo answered HTTP ${answer.status} (${meaning.name}${to})`, details);
  }
  const parsed = parseJsonBounded(answer.body);
  if (!parsed.ok) throw malformed('not JSON');
  const body = asObject(parsed.value);
  if (!body || typeof body.success !== 'boolean') throw malformed('no success flag');
  if (!body.success) {
    if (!Array.isArray(body.errors) || body.errors.length === 0)
      throw malformed('success is false without errors');
    const { code, text } = describeErrors(body.errors);
    if (code === null) throw malformed('an error without a code');
    const meaning = callCodeMeaning(code);
    const details: ConstructorParameters<typeof MarketoCallError>[1] = {
      category: meaning.category,
      code,
      applied: meaning.applied ?? 'not-applied',
    };
    if (meaning.retryAfterMs !== undefined) details.retryAfterMs = meaning.retryAfterMs;
    if (meaning.rateWindow === true) details.rateWindow = true;
    if (meaning.category === 'config') details.setting = setting;
    throw new MarketoCallError(`Marketo refused the call: ${text}`, details);
  }
  return body;
}

/** One result entry: created, updated, or skipped with reasons (Swagger also names it `reason`). */
function recordResult(entry: unknown, id: string | null): RecordResult {
  const o = asObject(entry);
  const status = typeof o?.status === 'string' ? o.status : '';
  if ((status === 'created' || status === 'updated') && id === null)
    // Marketo's created and updated results always name the record; one that does not is not an
    // answer to trust: the record may or may not have been written.
    return {
      status: 'FAILED',
      id,
      code: null,
      category: 'indeterminate',
      message: `Marketo answered ${status} without the record's id`,
    };
  if (status === 'created') return { status: 'CREATED', id, code: null, category: null, message: null };
  if (status === 'updated') return { status: 'UPDATED', id, code: null, category: null, message: null };
  if (status === 'skipped') {
    // The docs send `reasons: [..]`; Swagger's Lead has a single `reason: {..}`. Both are read.
    const reasons = Array.isArray(o?.reasons)
      ? o.reasons
      : Array.isArray(o?.reason)
        ? o.reason
        : asObject(o?.reason)
          ? [o?.reason]
          : [];
    const { code, text } = describeErrors(reasons);
    if (code === null)
      return {
        status: 'FAILED',
        id,
        code: null,
        category: 'invalid-record',
        message: 'skipped without a reason',
      };
    const meaning = recordCodeMeaning(code);
    return {
      status: meaning.status ?? 'FAILED',
      id,
      code,
      category: meaning.status === 'SKIPPED' ? null : meaning.category,
      message: text,
    };
  }
  // A status Marketo does not document for a write: we cannot say what happened to the record.
  return {
    status: 'FAILED',
    id,
    code: null,
    category: 'indeterminate',
    message: `unexpected record status ${shown(o?.status)}`,
  };
}

function countMismatch(expected: number, received: number): MarketoCallError {
  return new MarketoCallError(
    `Marketo answered ${received} results for ${expected} records; which records were applied is unknown`,
    { category: 'indeterminate', code: 'result-count-mismatch', applied: 'indeterminate' },
  );
}

/**
 * A lead id as text: a positive safe integer (a number or its digits), absent as null. Anything else
 * is not an id Marketo gives, so what the call did is unknown.
 */
/** A lead's (or a company's) integer id, as text; null when absent. */
function leadId(id: unknown): string | null {
  if (id === undefined || id === null) return null;
  const n = typeof id === 'number' ? id : typeof id === 'string' && /^\d{1,16}$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw malformed(`a lead id that is not a positive safe integer (${shown(id)})`);
  return String(n);
}

/** Sync Leads: one result per input record, by position (lead results carry no `seq`). */
export function leadResults(result: unknown[], expected: number): RecordResult[] {
  if (result.length !== expected) throw countMismatch(expected, result.length);
  return result.map((entry) => recordResult(entry, leadId(asObject(entry)?.id)));
}

/**
 * Sync Opportunities / Roles / Companies: results matched by `seq`, which must be exactly 0…n-1. A
 * record is named by its `marketoGUID` (opportunities, roles) or by an integer `id` (companies: the
 * reference's section 10.13 point 13).
 */
export function objectResults(result: unknown[], expected: number): RecordResult[] {
  if (result.length !== expected) throw countMismatch(expected, result.length);
  const bySeq = new Array<RecordResult | undefined>(expected);
  for (const entry of result) {
    const o = asObject(entry);
    const seq = o?.seq;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq >= expected || bySeq[seq]) {
      throw new MarketoCallError(
        `Marketo answered a missing, duplicate or out-of-range seq (${shown(seq)})`,
        {
          category: 'indeterminate',
          code: 'result-seq-mismatch',
          applied: 'indeterminate',
        },
      );
    }
    const guid = o?.marketoGUID;
    // A GUID is a few dozen characters; one beyond a text's bound is not Marketo's, and is not kept.
    if (typeof guid === 'string' && Buffer.byteLength(guid, 'utf8') > MAX_TEXT_BYTES)
      throw malformed(`a marketoGUID of ${Buffer.byteLength(guid, 'utf8')} bytes`);
    bySeq[seq] = recordResult(
      entry,
      typeof guid === 'string' && guid.trim() !== '' ? guid.trim() : leadId(o?.id),
    );
  }
  return bySeq as RecordResult[];
}

/**
 * Update Program: one program per call; the answer's `result[0].id` must be the program (a number or
 * its digits). An answer without it does not say which program was written.
 */
export function programResult(result: unknown[], programId: number): RecordResult {
  const id = asObject(result[0])?.id;
  const same =
    (typeof id === 'number' && id === programId) || (typeof id === 'string' && id === String(programId));
  if (result.length !== 1 || !same) {
    throw new MarketoCallError(
      `Marketo answered ${result.length} programs for program ${programId} (id ${shown(id)})`,
      { category: 'indeterminate', code: 'result-count-mismatch', applied: 'indeterminate' },
    );
  }
  return { status: 'UPDATED', id: String(programId), code: null, category: null, message: null };
}
