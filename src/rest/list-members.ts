import type { StoredMembership } from '../buffer/types.js';
import type { RecordResult } from '../transport/contract.js';
import type { ListMembershipGroup } from '../vocabulary/member-groups.js';
import { objectResults } from './answer.js';
import { readingAnswer, settledBefore } from './client-results.js';
import { asObject } from './json.js';
import { leadIdsOf, refusedForAll } from './member-leads.js';
import type { RestCalls } from './rest-calls.js';

/**
 * Static list membership over REST: one group `M:<listId>:<ADD|REMOVE>` is Add to List (`POST`) or
 * Remove from List (`DELETE /rest/v1/lists/{listId}/leads.json`), up to 300 lead ids a request, given
 * as repeated `id` query parameters with no body, as Adobe's page and its examples do (the Swagger also
 * defines a JSON body, required on DELETE; what Marketo does with both is not stated, so we send one).
 *
 * Both are idempotent (a list is a set): a call whose answer was lost is sent again. Results carry the
 * lead `id` and no `seq`; whether they follow the input order is not stated, so they are matched by id.
 * `added` and `removed` are UPDATED; a remove skipped with 1015 "Lead not in list" is SKIPPED (the list
 * already is as asked); 1004 (no such lead) FAILED; an unknown list (702) fails every record.
 */

/** Add to List / Remove from List take up to 300 lead ids. */
export const MAX_LIST_IDS = 300;

/** The path of one request: the list and its lead ids as `id=` parameters. */
export function listRequestPath(listId: number, ids: readonly number[]): string {
  return `/rest/v1/lists/${listId}/leads.json?${ids.map((id) => `id=${id}`).join('&')}`;
}

/** Reads an Add/Remove answer for `ids` (unique): one result per id, matched by id. */
export function listResults(
  result: unknown[],
  ids: readonly number[],
  action: 'ADD' | 'REMOVE',
): RecordResult[] {
  const index = new Map(ids.map((id, i) => [id, i]));
  // Put into Sync Objects' shape (seq by our position, id) so that one reader checks every entry.
  const shaped = result.map((entry) => {
    const o = asObject(entry) ?? {};
    const id = typeof o.id === 'number' ? o.id : typeof o.id === 'string' ? Number(o.id) : NaN;
    const status = o.status === 'added' || o.status === 'removed' ? 'updated' : o.status;
    return { ...o, seq: index.get(id), id: o.id, status };
  });
  return objectResults(shaped, ids.length).map((r) =>
    action === 'REMOVE' && r.status === 'FAILED' && r.code === '1015'
      ? { ...r, status: 'SKIPPED', category: null }
      : r,
  );
}

/** Sends one list membership group's records; one result per record, in order. */
export async function sendListMembers(
  calls: RestCalls,
  group: ListMembershipGroup,
  records: readonly StoredMembership[],
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  const results = new Array<RecordResult | undefined>(records.length);
  const leads = await leadIdsOf(
    calls.leads,
    records.map((r) => r.lead),
    signal,
  );
  // Records naming the same lead (by Id and by Email) share one id in the request and its result.
  const byId = new Map<number, number[]>();
  leads.forEach((lead, i) => {
    if ('result' in lead) results[i] = lead.result;
    else byId.set(lead.id, [...(byId.get(lead.id) ?? []), i]);
  });
  const ids = [...byId.keys()];
  const method = group.action === 'ADD' ? 'POST' : 'DELETE';
  for (let start = 0, n = 0; start < ids.length; start += MAX_LIST_IDS, n++) {
    const part = ids.slice(start, start + MAX_LIST_IDS);
    let answer: RecordResult[];
    try {
      if (n > 0) await calls.admitAnother();
      const result = await calls.exchange(
        method,
        listRequestPath(group.listId, part),
        undefined,
        part.length,
        signal,
      );
      answer = readingAnswer(() => listResults(result, part, group.action));
    } catch (error) {
      const all = refusedForAll(error);
      if (all === undefined) {
        const firstUnsettled = results.findIndex((r) => r === undefined);
        throw settledBefore(error, results, firstUnsettled === -1 ? results.length : firstUnsettled);
      }
      answer = part.map(() => all);
    }
    part.forEach((id, j) => {
      for (const i of byId.get(id)!) results[i] = answer[j]!;
    });
  }
  return results as RecordResult[];
}
