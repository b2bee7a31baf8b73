import type { RecordResult } from '../transport/contract.js';
import { readingAnswer, refused, settledBefore, tooLarge } from './client-results.js';
import type { MappedRecord, RestCalls } from './rest-calls.js';
import { planBodies } from './split.js';

/** Sync Leads, Sync Opportunities, Roles and Companies: 300 records a call. Update Program: one program a call. */
export const REST_MAX_RECORDS = 300;

/** What sending a JSON body needs of the client: its requests, their admission, the body limit. */
export type JsonSender = Pick<RestCalls, 'exchange' | 'admitAnother' | 'maxBodyBytes'>;

/**
 * Sends mapped records as `{...envelope, input: [...]}` to `path` in as many requests as the size and
 * count limits need, in order; refused records get their FAILED result without being sent. A failure
 * throws a `MarketoCallError` carrying the results settled before it.
 */
export async function sendJsonBodies(
  sender: JsonSender,
  path: string,
  envelope: Record<string, unknown>,
  mapped: readonly MappedRecord[],
  read: (result: unknown[], expected: number) => RecordResult[],
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  const results = new Array<RecordResult | undefined>(mapped.length);
  const sendable: number[] = [];
  const texts: string[] = [];
  mapped.forEach((m, i) => {
    if (!m.ok) results[i] = refused(m.problem);
    else {
      sendable.push(i);
      texts.push(JSON.stringify(m.record));
    }
  });
  const head = JSON.stringify({ ...envelope, input: [] });
  const plan = planBodies(
    texts.map((t) => Buffer.byteLength(t, 'utf8')),
    Buffer.byteLength(head, 'utf8'),
    sender.maxBodyBytes,
    REST_MAX_RECORDS,
  );
  for (const k of plan.tooLarge) results[sendable[k]!] = tooLarge(sender.maxBodyBytes);
  for (const [n, request] of plan.requests.entries()) {
    const indexes = request.map((k) => sendable[k]!);
    const body = `${head.slice(0, -2)}${request.map((k) => texts[k]).join(',')}]}`;
    let answer: RecordResult[];
    try {
      if (n > 0) await sender.admitAnother();
      const result = await sender.exchange('POST', path, body, indexes.length, signal, 'application/json');
      answer = readingAnswer(() => read(result, indexes.length));
    } catch (error) {
      throw settledBefore(error, results, indexes[0]!);
    }
    indexes.forEach((index, j) => {
      results[index] = answer[j]!;
    });
  }
  return results as RecordResult[];
}
