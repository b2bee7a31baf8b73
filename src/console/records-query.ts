import { OUTCOME_STATUSES } from '../vocabulary/outcome-statuses.js';
import { HttpError } from './http-reply.js';
import type { RecordQuery } from './record-search.js';

/** A records search as asked, with the times as the operator typed them (to show them again). */
export type ShownRecordQuery = RecordQuery & { sinceText?: string; untilText?: string };

/** A datetime-local value (read as UTC) as epoch ms, or undefined. */
function utcTime(text: string | null): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) throw new HttpError(400, `not a time: ${text.slice(0, 40)}`);
  return ms;
}

/** The records page's query string as a search, each value bounded; a bad status or time is a 400. */
export function recordsQuery(p: URLSearchParams): ShownRecordQuery {
  const status = p.get('status') || undefined;
  if (status !== undefined && !(OUTCOME_STATUSES as readonly string[]).includes(status))
    throw new HttpError(400, `status: one of ${OUTCOME_STATUSES.join(', ')}`);
  const query: ShownRecordQuery = {};
  for (const k of ['key', 'code', 'field'] as const) {
    const v = p.get(k)?.trim();
    if (v) query[k] = v.slice(0, 300);
  }
  if (status) query.status = status;
  const since = utcTime(p.get('since'));
  const until = utcTime(p.get('until'));
  if (since !== undefined) {
    query.since = since;
    query.sinceText = p.get('since')!;
  }
  if (until !== undefined) {
    query.until = until;
    query.untilText = p.get('until')!;
  }
  const offset = Number(p.get('offset') ?? 0);
  if (Number.isSafeInteger(offset) && offset > 0) query.offset = offset;
  return query;
}
