import { MarketoCallError, type RecordResult } from '../transport/contract.js';
import type { RestCalls } from './rest-calls.js';

/** How a request names its records: by the type's dedupe fields, or by its id field. */
export type KeyMode = 'dedupeFields' | 'idField';

/**
 * Sends a batch whose records are named in two ways as one request per way (Marketo takes one
 * `dedupeBy`/`deleteBy` a request), dedupe fields first; `parts` holds the records' positions per way,
 * `send` sends one part. One result per record of the batch, in order. A failure throws the
 * `MarketoCallError` with the results known up to the first unknown one: any known after it are updates
 * (`idField` is updateOnly or a delete), which may be sent again without harm.
 */
export async function sendInParts(
  calls: Pick<RestCalls, 'admitAnother'>,
  parts: ReadonlyMap<KeyMode, readonly number[]>,
  size: number,
  send: (by: KeyMode, indexes: readonly number[]) => Promise<RecordResult[]>,
): Promise<RecordResult[]> {
  const results = new Array<RecordResult | undefined>(size);
  let first = true;
  for (const by of ['dedupeFields', 'idField'] as const) {
    const indexes = parts.get(by);
    if (!indexes || indexes.length === 0) continue;
    try {
      if (!first) await calls.admitAnother();
      first = false;
      const part = await send(by, indexes);
      indexes.forEach((index, j) => (results[index] = part[j]));
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      // The part's own settled results are by its positions: moved to the batch's, then cut.
      error.settled.forEach((r, j) => (results[indexes[j]!] = r));
      const known = results.findIndex((r) => r === undefined);
      throw error.withSettled(results.slice(0, known === -1 ? results.length : known) as RecordResult[]);
    }
  }
  return results as RecordResult[];
}
