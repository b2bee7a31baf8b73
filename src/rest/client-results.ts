import { boundText, MarketoCallError, type RecordResult } from '../transport/contract.js';
import type { RestProblem } from './rest-problem.js';

/**
 * Results and errors the REST client makes itself rather than reads from Marketo: a record refused
 * before sending, a record too large for any body, an answer of an unforeseen shape, and a failure
 * carrying the results settled before it.
 */

/**
 * Reads an answer with `read`; anything but a {@link MarketoCallError} escaping it (a value of a shape
 * no check foresaw) makes the answer malformed, like the others: the call's outcome is unknown, and
 * the batch is still settled.
 */
export function readingAnswer<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MarketoCallError) throw error;
    throw new MarketoCallError(
      `Marketo's answer was not understood: ${error instanceof Error ? error.name : 'an error'} while reading it`,
      { category: 'transient', code: 'malformed-answer', applied: 'indeterminate' },
    );
  }
}

export function refused(problem: RestProblem): RecordResult {
  return {
    status: 'FAILED',
    id: null,
    code: null,
    category: 'invalid-record',
    message: boundText(`${problem.field} ${problem.reason}`),
    field: problem.field,
  };
}

export function tooLarge(maxBytes: number): RecordResult {
  return {
    status: 'FAILED',
    id: null,
    code: null,
    category: 'invalid-record',
    message: `the record alone makes a request body over ${maxBytes} bytes, which Marketo refuses`,
  };
}

/** `error` carrying the results of the records before `firstUnsettled`, all of which are known. */
export function settledBefore(
  error: unknown,
  results: readonly (RecordResult | undefined)[],
  firstUnsettled: number,
): unknown {
  if (!(error instanceof MarketoCallError) || firstUnsettled === 0) return error;
  return error.withSettled(results.slice(0, firstUnsettled) as RecordResult[]);
}

/**
 * A Describe request that failed (whatever its own answer) means the records' request never left: it
 * cannot have applied them, so a create among them may be sent again.
 */
export async function notSentIfFails<T>(describe: Promise<T>): Promise<T> {
  try {
    return await describe;
  } catch (error) {
    // A Describe refused outright says all there is; only doubt about the Describe itself is cleared.
    if (!(error instanceof MarketoCallError) || error.applied !== 'indeterminate') throw error;
    throw new MarketoCallError(
      `the records were not sent: Describe failed first (${error.message})`,
      { ...error.details(), category: 'transient', applied: 'not-sent' },
      { cause: error },
    );
  }
}
