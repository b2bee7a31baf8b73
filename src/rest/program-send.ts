import type { StoredMObject } from '../buffer/types.js';
import { MarketoCallError, type RecordResult } from '../transport/contract.js';
import { programResult } from './answer.js';
import { readingAnswer, refused, settledBefore, tooLarge } from './client-results.js';
import { programForm, programPath } from './programs.js';
import type { RestCalls } from './rest-calls.js';

/**
 * Sends Program updates over REST: one program per request (Update Program is a form per program),
 * each request after the first admitted like a call's further requests.
 */
export async function sendPrograms(
  calls: Pick<RestCalls, 'exchange' | 'admitAnother' | 'maxBodyBytes'>,
  programs: readonly StoredMObject[],
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  let sent = 0;
  for (const program of programs) {
    const form = programForm(program);
    if (!form.ok) {
      results.push(refused(form.problem));
      continue;
    }
    if (Buffer.byteLength(form.body, 'utf8') > calls.maxBodyBytes) {
      results.push(tooLarge(calls.maxBodyBytes));
      continue;
    }
    try {
      if (sent++ > 0) await calls.admitAnother();
      const result = await calls.exchange(
        'POST',
        programPath(program.id!),
        form.body,
        1,
        signal,
        'application/x-www-form-urlencoded',
      );
      results.push(readingAnswer(() => programResult(result, program.id!)));
    } catch (error) {
      // One program per request: a request refused because of its program (e.g. 702 for an unknown
      // id, 709) is that program's failure, and the programs after it still go.
      if (
        error instanceof MarketoCallError &&
        error.category === 'invalid-record' &&
        error.applied !== 'indeterminate'
      ) {
        results.push({
          status: 'FAILED',
          id: String(program.id),
          code: error.code,
          category: 'invalid-record',
          message: error.message,
        });
        continue;
      }
      throw settledBefore(error, results, results.length);
    }
  }
  return results;
}
