import type { LeadStore } from '../lead-store.js';
import type { EmulatedList, MembershipStore } from '../membership-store.js';
import { RestCallError, type RestReason } from './rest-answer.js';
import { isJsonObject, shown, type JsonObject } from './rest-records.js';

/**
 * Static list membership: Add to List (`POST /rest/v1/lists/{listId}/leads.json`), Remove from List
 * (`DELETE`, same path) and Get Leads by List (`GET`, same path). Leads are named by id only, as repeated
 * `id` query parameters (the page's form) or a JSON body `{input:[{id}]}` (the Swagger's); both together
 * name the union. Up to 300 ids a call.
 *
 * Answers, where Adobe's pages say nothing (reference 10.6): re-adding a member answers `added` (a list
 * is a set); removing a lead that is not a member is skipped with 1015 "Lead not in list"; an unknown
 * lead is skipped with 1004; an unknown list is refused whole with 702 (as an unknown program is).
 */

export const MAX_LIST_IDS = 300;
/** Get Leads by List: records a page (Marketo's `batchSize` default and maximum). */
export const MAX_LIST_PAGE = 300;

export interface ListResult {
  id: number;
  status: 'added' | 'removed' | 'skipped';
  reasons?: RestReason[];
}

function readId(value: unknown, where: string): number {
  const id = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    throw new RestCallError(1003, `Invalid value ${shown(value)} for ${where}: must be a lead id`);
  return id;
}

/** The lead ids of an Add or Remove call, query first, in order (duplicates kept: each gets a result). */
export function readListIds(query: URLSearchParams, body: JsonObject | undefined): number[] {
  const ids = query
    .getAll('id')
    .flatMap((v) => v.split(','))
    .map((v) => readId(v, 'id'));
  if (body !== undefined) {
    const input = body.input;
    if (input !== undefined) {
      if (!Array.isArray(input)) throw new RestCallError(1003, 'Invalid value for input: must be an array');
      input.forEach((item, i) => {
        if (!isJsonObject(item))
          throw new RestCallError(1003, `Invalid value for input[${i}]: must be {"id"}`);
        ids.push(readId(item.id, `input[${i}].id`));
      });
    }
  }
  if (ids.length === 0) throw new RestCallError(1003, "Missing value for required parameter 'id'");
  if (ids.length > MAX_LIST_IDS)
    throw new RestCallError(1003, `Too many ids: ${ids.length}, at most ${MAX_LIST_IDS} a call`);
  return ids;
}

export function findList(store: MembershipStore, listId: number): EmulatedList {
  const list = store.list(listId);
  if (!list) throw new RestCallError(702, `List ${listId} not found`);
  return list;
}

/** Applies Add to List or Remove from List; one result per id given. */
export function changeList(
  action: 'add' | 'remove',
  list: EmulatedList,
  ids: readonly number[],
  leads: LeadStore,
): ListResult[] {
  return ids.map((id) => {
    if (!leads.get(id))
      return { id, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] };
    if (action === 'add') {
      list.members.add(id);
      return { id, status: 'added' };
    }
    if (!list.members.delete(id))
      return { id, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] };
    return { id, status: 'removed' };
  });
}

/**
 * Get Leads by List: members in the order they joined, `batchSize` (≤ 300) a page, `nextPageToken` an
 * opaque offset; `fields` names the lead fields wanted (id always; unknown ones are left out).
 */
export function leadsOfList(
  list: EmulatedList,
  query: URLSearchParams,
  leads: LeadStore,
): { result: unknown[]; nextPageToken?: string } {
  const sizeText = query.get('batchSize');
  const size = sizeText === null ? MAX_LIST_PAGE : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > MAX_LIST_PAGE)
    throw new RestCallError(1003, `Invalid value ${shown(sizeText)} for batchSize: 1 to ${MAX_LIST_PAGE}`);
  const token = query.get('nextPageToken');
  let offset = 0;
  if (token !== null) {
    const match = /^L(\d{1,9})$/.exec(token);
    if (!match) throw new RestCallError(1003, `Invalid value ${shown(token)} for nextPageToken`);
    offset = Number(match[1]);
  }
  const fields = (query.get('fields') ?? 'id,email').split(',').filter((f) => f !== '');
  const ids = [...list.members];
  const page = ids.slice(offset, offset + size);
  const result = page.map((id) => {
    const lead = leads.get(id);
    const view: Record<string, unknown> = { id };
    for (const field of fields) {
      if (field === 'id') continue;
      if (field.toLowerCase() === 'email') view[field] = lead?.Email ?? null;
    }
    return view;
  });
  return offset + size < ids.length ? { result, nextPageToken: `L${offset + size}` } : { result };
}

/**
 * Reads an Add or Remove call: ids from the query and, when a body is sent, from its JSON `input`.
 * Returns them as `{ids}`.
 */
export function readListRequest(
  url: string | undefined,
  contentType: string | undefined,
  raw: Buffer,
): { ids: number[] } {
  const query = new URL(url ?? '/', 'http://emulator').searchParams;
  let body: JsonObject | undefined;
  if (raw.length > 0) {
    if (!/^application\/json\b/i.test(contentType ?? ''))
      throw new RestCallError(612, 'Invalid Content Type: use application/json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch {
      throw new RestCallError(609, 'Invalid JSON');
    }
    if (!isJsonObject(parsed)) throw new RestCallError(609, 'Invalid JSON: the body must be a JSON object');
    body = parsed;
  }
  return { ids: readListIds(query, body) };
}
