import { boundText, MarketoCallError, type FoundId } from '../transport/contract.js';

/**
 * Reading leads' activity logs (Get Paging Token, then Get Lead Activities by type and lead, page by
 * page) to tell whether activities were logged. Marketo filters by activity date from the token's
 * time on, at most 10 type ids and 30 lead ids a request and 300 activities a page. Each request is
 * admitted by the worker's rate limiter; a failed read settles nothing (the caller keeps its doubt).
 */

export interface ActivityLogReader {
  /** One authenticated GET of Marketo's REST API: the whole answer body. */
  read(path: string, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Takes a rate token for one more request; false when the worker is stopping. */
  admit?: () => Promise<boolean>;
}

/** An activity looked for: its lead and type ids, its date (epoch ms, to the second), its primary value. */
export interface WantedActivity {
  leadId: number;
  typeId: number;
  at: number;
  primary: string;
}

const MAX_LEADS = 30;
const MAX_TYPES = 10;
/** Pages read per request group at most: a log longer than this since the date is not settled. */
const MAX_PAGES = 50;

/** What one logged activity says, read with every value's type checked. */
interface Logged {
  guid: string;
  leadId: number;
  typeId: number;
  at: number;
  primary: string;
}

function readLogged(item: unknown): Logged | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as Record<string, unknown>;
  const guid =
    typeof o.marketoGUID === 'string' ? o.marketoGUID : typeof o.id === 'number' ? String(o.id) : undefined;
  if (guid === undefined || typeof o.leadId !== 'number' || typeof o.activityTypeId !== 'number')
    return undefined;
  if (typeof o.activityDate !== 'string') return undefined;
  const at = Date.parse(o.activityDate);
  if (Number.isNaN(at)) return undefined;
  const primary =
    typeof o.primaryAttributeValue === 'string' || typeof o.primaryAttributeValue === 'number'
      ? String(o.primaryAttributeValue)
      : '';
  return {
    guid: boundText(guid),
    leadId: o.leadId,
    typeId: o.activityTypeId,
    at: Math.floor(at / 1000) * 1000,
    primary,
  };
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function admitted(reader: ActivityLogReader): Promise<void> {
  if (reader.admit && !(await reader.admit()))
    throw new MarketoCallError('not read: the worker is stopping', {
      category: 'transient',
      code: 'stopping',
      applied: 'not-sent',
    });
}

/** Every logged activity of these leads and types from `sinceMs` on. */
async function readLog(
  leads: readonly number[],
  types: readonly number[],
  sinceMs: number,
  reader: ActivityLogReader,
  signal?: AbortSignal,
): Promise<Logged[]> {
  await admitted(reader);
  const since = new URLSearchParams({ sinceDatetime: `${new Date(sinceMs).toISOString().slice(0, 19)}Z` });
  const start = await reader.read(`/rest/v1/activities/pagingtoken.json?${since.toString()}`, signal);
  if (typeof start.nextPageToken !== 'string') throw new Error('Get Paging Token answered no nextPageToken');
  const logged: Logged[] = [];
  for (const leadChunk of chunks(leads, MAX_LEADS))
    for (const typeChunk of chunks(types, MAX_TYPES)) {
      let token = start.nextPageToken;
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES)
          throw new Error(`the log has more than ${MAX_PAGES} pages since ${since.get('sinceDatetime')}`);
        await admitted(reader);
        const query = new URLSearchParams({
          nextPageToken: token,
          activityTypeIds: typeChunk.join(','),
          leadIds: leadChunk.join(','),
        });
        const body = await reader.read(`/rest/v1/activities.json?${query.toString()}`, signal);
        // Marketo leaves `result` out of a page with nothing in it.
        const result = Array.isArray(body.result) ? body.result : [];
        for (const item of result) {
          const read = readLogged(item);
          if (read) logged.push(read);
        }
        if (body.moreResult !== true) break;
        if (typeof body.nextPageToken !== 'string' || body.nextPageToken === token) break;
        token = body.nextPageToken.slice(0, 1000);
      }
    }
  return logged;
}

/**
 * For each wanted activity: the marketoGUID of a logged one that matches it (each logged activity
 * matched once), `absent` when the log was read whole and none matches, or why it could not be read.
 */
export async function findLogged(
  wanted: readonly WantedActivity[],
  reader: ActivityLogReader,
  signal?: AbortSignal,
): Promise<FoundId[]> {
  if (wanted.length === 0) return [];
  let logged: Logged[];
  try {
    const leads = [...new Set(wanted.map((w) => w.leadId))];
    const types = [...new Set(wanted.map((w) => w.typeId))];
    // A second before the earliest date: the token's time is inclusive to the second at most.
    const since = Math.min(...wanted.map((w) => w.at)) - 1000;
    logged = await readLog(leads, types, since, reader, signal);
  } catch (error) {
    const why = `could not read the activity log: ${boundText((error as Error).message)}`;
    return wanted.map(() => ({ id: null, why }));
  }
  const key = (a: { leadId: number; typeId: number; at: number; primary: string }): string =>
    `${a.leadId}|${a.typeId}|${a.at}|${a.primary}`;
  const pool = new Map<string, string[]>();
  for (const l of logged) pool.set(key(l), [...(pool.get(key(l)) ?? []), l.guid]);
  return wanted.map((w): FoundId => {
    const guid = pool.get(key(w))?.shift();
    return guid !== undefined
      ? { id: guid }
      : { id: null, why: 'not in the lead’s activity log', absent: true };
  });
}
