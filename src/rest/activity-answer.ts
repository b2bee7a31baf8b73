import { boundText, MarketoCallError, type RecordResult } from '../transport/contract.js';
import { describeErrors, shown } from './answer.js';
import { recordCodeMeaning } from './codes.js';

/**
 * Reading an Add Custom Activities answer. Adobe's page and SW-MAPI agree: one result per record by
 * position, no `seq`; `{id, marketoGUID, status: "added"}` or `{status: "skipped", errors: [...]}`
 * (`errors`, not `reasons`; `reasons` is read too, in case). The `marketoGUID` is the activity's id
 * (SW-MAPI: `id` "should not be treated as unique" on instances moved to the Activity Service).
 */
export function activityResults(result: unknown[], expected: number): RecordResult[] {
  if (result.length !== expected)
    throw new MarketoCallError(
      `Marketo's answer was not understood: ${result.length} results for ${expected} activities`,
      { category: 'transient', code: 'malformed-answer', applied: 'indeterminate' },
    );
  return result.map(activityResult);
}

function activityResult(entry: unknown): RecordResult {
  const o = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
  const status = o?.status;
  if (status === 'added') {
    const guid = typeof o?.marketoGUID === 'string' && o.marketoGUID !== '' ? boundText(o.marketoGUID) : null;
    const id = guid ?? (typeof o?.id === 'number' && Number.isSafeInteger(o.id) ? String(o.id) : null);
    return { status: 'CREATED', id, code: null, category: null, message: null };
  }
  if (status === 'skipped') {
    const list = Array.isArray(o?.errors) ? o.errors : Array.isArray(o?.reasons) ? o.reasons : [];
    const { code, text } = describeErrors(list);
    if (code === null)
      return {
        status: 'FAILED',
        id: null,
        code: null,
        category: 'invalid-record',
        message: 'skipped without a reason',
      };
    const meaning = recordCodeMeaning(code);
    return {
      status: meaning.status ?? 'FAILED',
      id: null,
      code,
      category: meaning.status === 'SKIPPED' ? null : meaning.category,
      message: text,
    };
  }
  // Not an answer we can read for a create: whether it was logged is unknown.
  return {
    status: 'FAILED',
    id: null,
    code: null,
    category: 'indeterminate',
    message: `unexpected activity status ${shown(status)}`,
  };
}
