import type { StoredProgramStatus } from '../buffer/types.js';
import type { RecordResult } from '../transport/contract.js';
import type { ProgramStatusGroup } from '../vocabulary/member-groups.js';
import { objectResults } from './answer.js';
import { readingAnswer, settledBefore } from './client-results.js';
import { asObject } from './json.js';
import { leadIdsOf, refusedForAll } from './member-leads.js';
import type { RestCalls } from './rest-calls.js';
import type { Steps } from './program-steps.js';

/**
 * Program member status over REST: one group `S:<programId>:<status>` is Sync Program Member Status
 * (`POST /rest/v1/programs/{programId}/members/status.json`, JSON `{statusName, input:[{leadId}]}`), up
 * to 300 leads a request; results matched by `seq`.
 *
 * `created` (a new member) is CREATED and `updated` UPDATED, as the page and its example answer (the
 * Swagger's enum lacks `created`: reference 10.13 point 2; we follow the page, which is what Marketo
 * sends). Marketo never moves a member back: a lead already at or past the status is skipped with 1037,
 * which is SKIPPED with Marketo's reason. 1037 also means "Lead not in program" for Delete Program
 * Members (10.13 point 3); this call never deletes, so here it can only mean "already at or past". A
 * resend after a lost answer is therefore harmless (1037 for the leads the lost call moved).
 */

export const MAX_STATUS_LEADS = 300;

export function statusPath(programId: number): string {
  return `/rest/v1/programs/${programId}/members/status.json`;
}

/** Reads a Sync Program Member Status answer for `expected` leads, by `seq`; the id is the `leadId`. */
export function statusResults(result: unknown[], expected: number): RecordResult[] {
  return objectResults(
    result.map((entry) => {
      const o = asObject(entry) ?? {};
      // objectResults names a record by `id`; this answer names it by `leadId` (absent on 1037).
      const { leadId, ...rest } = o;
      return { ...rest, id: leadId };
    }),
    expected,
  );
}

/**
 * Has the program's channel steps kept for the buffer's merge, before its statuses are sent, so that
 * later changes of this program merge to the furthest status; returns them. Best effort: without them a
 * merge keeps the newer status, and Marketo skips a move back (1037), so a failed read does not hold the
 * records up.
 */
async function keepSteps(
  calls: RestCalls,
  programId: number,
  signal?: AbortSignal,
): Promise<Steps | undefined> {
  try {
    return await calls.programSteps?.(programId, signal);
  } catch {
    // Read again with the next batch of this program.
    return undefined;
  }
}

/**
 * The status to send for a record: the furthest of its status and the statuses it passed through in
 * merges that could not rank them (`passed`), by the channel's steps; its own status without them.
 */
export function furthestStatus(record: StoredProgramStatus, steps: Steps | undefined): string {
  let best = record.status;
  if (!steps || !record.passed) return best;
  for (const status of record.passed) {
    const step = steps[status];
    if (step !== undefined && step > (steps[best] ?? -Infinity)) best = status;
  }
  return best;
}

/** Sends one program status group's records; one result per record, in order. */
export async function sendProgramMembers(
  calls: RestCalls,
  group: ProgramStatusGroup,
  records: readonly StoredProgramStatus[],
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  const steps = await keepSteps(calls, group.programId, signal);
  const results = new Array<RecordResult | undefined>(records.length);
  const leads = await leadIdsOf(
    calls.leads,
    records.map((r) => r.lead),
    signal,
  );
  // Status → lead id → the records of that lead: the group's status first, then any further one a record
  // passed through (a call carries one status).
  const byStatus = new Map<string, Map<number, number[]>>([[group.status, new Map()]]);
  leads.forEach((lead, i) => {
    if ('result' in lead) {
      results[i] = lead.result;
      return;
    }
    const status = furthestStatus(records[i]!, steps);
    let byId = byStatus.get(status);
    if (!byId) byStatus.set(status, (byId = new Map()));
    byId.set(lead.id, [...(byId.get(lead.id) ?? []), i]);
  });
  const path = statusPath(group.programId);
  let n = 0;
  for (const [status, byId] of byStatus) {
    const ids = [...byId.keys()];
    for (let start = 0; start < ids.length; start += MAX_STATUS_LEADS, n++) {
      const part = ids.slice(start, start + MAX_STATUS_LEADS);
      const body = JSON.stringify({ statusName: status, input: part.map((leadId) => ({ leadId })) });
      let answer: RecordResult[];
      try {
        if (n > 0) await calls.admitAnother();
        const result = await calls.exchange('POST', path, body, part.length, signal, 'application/json');
        answer = readingAnswer(() => statusResults(result, part.length));
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
  }
  return results as RecordResult[];
}
