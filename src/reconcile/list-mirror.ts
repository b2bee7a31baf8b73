import type { FileRecord } from '../producer/file-records.js';
import type { ListMembershipChange } from '../producer/member-changes.js';
import { leadRefKind, leadRefValue, parseLeadRef, type LeadRef } from '../vocabulary/lead-refs.js';
import { parseLine, type SourceBatch } from './source.js';

/**
 * Mirror mode for a static list: the export names every lead the list should hold; a lead in it is
 * added, a member of the list the export does not name is removed. A removal is decided only on a whole,
 * good read of both sides: a line that cannot be read, a source that fails or ends early or more leads
 * than the bound, and nothing is sent at all (a cut or corrupted export); a failed read of the list's
 * members, and nothing is removed (the adds of a whole export are still what it says).
 */

/** A member of the list as Get Leads by List answers it. */
export interface ListMember {
  id: number;
  /** Its email, when read (lower-cased for matching). */
  email: string | null;
}

/** Most leads an export may name (one static list; anything beyond is refused, not truncated). */
export const MAX_MIRROR_LEADS = 2_000_000;

export type ExportRead =
  { ok: true; refs: LeadRef[] } | { ok: false; problem: string; refs: LeadRef[]; line?: number };

/**
 * Reads every lead reference of an export (NDJSON lines `{"Id": 42}` / `{"Email": "…"}`, or CSV rows
 * with an Id, Email or ForeignSysPersonId column; a `lead` object is also taken). A line that names no
 * lead, or any failure of the source, makes the read partial (`ok: false`), with what was read so far.
 */
export async function readMirrorExport(
  batches: AsyncIterable<SourceBatch>,
  max = MAX_MIRROR_LEADS,
): Promise<ExportRead> {
  const refs: LeadRef[] = [];
  try {
    for await (const batch of batches) {
      const records: FileRecord[] = Array.isArray(batch)
        ? batch
        : batch.numbers.map((line, i) => parseLine(line, batch.buf.subarray(batch.starts[i], batch.ends[i])));
      for (const record of records) {
        if (record.error !== undefined)
          return { ok: false, problem: `line ${record.line}: ${record.error}`, refs, line: record.line };
        const ref = leadOfRow(record.value);
        if ('problem' in ref)
          return { ok: false, problem: `line ${record.line}: ${ref.problem}`, refs, line: record.line };
        if (refs.length >= max)
          return { ok: false, problem: `more than ${max} leads: refused, not cut short`, refs };
        refs.push(ref);
      }
    }
  } catch (error) {
    return { ok: false, problem: `the export could not be read whole: ${(error as Error).message}`, refs };
  }
  return { ok: true, refs };
}

/** The lead a row names: `lead: {…}`, or its Id / Email / ForeignSysPersonId (CSV leaves attributes). */
function leadOfRow(value: unknown): LeadRef | { problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'must be a JSON object naming a lead' };
  const row = value as Record<string, unknown>;
  if (row.lead !== undefined) return parseLeadRef(row.lead);
  const keys: Record<string, unknown> = {};
  for (const key of ['Id', 'Email', 'ForeignSysPersonId'])
    if (row[key] !== undefined && row[key] !== '') keys[key] = row[key];
  return parseLeadRef(keys);
}

/** What one mirror run decides. */
export interface MirrorPlan {
  adds: ListMembershipChange[];
  removes: ListMembershipChange[];
  /** Why nothing is removed, when it is not. */
  noRemovalBecause?: string;
}

/**
 * The changes that make list `listId` hold what the export names: every lead of the export added (a
 * member already there is answered `added` again: harmless), every member the export does not name (by
 * id, or by email when the export names it by email) removed, unless a side was not read whole.
 * A member named in the export by ForeignSysPersonId is matched only by the id that key resolves to when
 * the export also names it by id: otherwise it is kept (never removed on a doubt).
 */
export function mirrorPlan(
  listId: number,
  exported: ExportRead,
  members: { ok: true; members: ListMember[] } | { ok: false; problem: string },
): MirrorPlan {
  const adds = dedupe(exported.refs).map((lead): ListMembershipChange => ({ listId, lead, action: 'ADD' }));
  // A partial export may be a cut or corrupted one: nothing is sent on it.
  if (!exported.ok) return { adds: [], removes: [], noRemovalBecause: exported.problem };
  if (!members.ok)
    return {
      adds,
      removes: [],
      noRemovalBecause: `the list's members could not be read: ${members.problem}`,
    };
  const ids = new Set<number>();
  const emails = new Set<string>();
  let byOtherKey = false;
  for (const ref of exported.refs) {
    const kind = leadRefKind(ref);
    if ('Id' in ref) ids.add(ref.Id);
    else if (kind === 'Email') emails.add(String(leadRefValue(ref)).toLowerCase());
    else byOtherKey = true;
  }
  if (byOtherKey)
    return {
      adds,
      removes: [],
      noRemovalBecause:
        'the export names leads by ForeignSysPersonId, which a list member cannot be matched by',
    };
  const removes = members.members
    .filter((m) => !ids.has(m.id) && !(m.email !== null && emails.has(m.email.toLowerCase())))
    .map((m): ListMembershipChange => ({ listId, lead: { Id: m.id }, action: 'REMOVE' }));
  return { adds, removes };
}

function dedupe(refs: readonly LeadRef[]): LeadRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const kind = leadRefKind(ref);
    const value = String(leadRefValue(ref));
    const text = `${kind}:${kind === 'Email' ? value.toLowerCase() : value}`;
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
