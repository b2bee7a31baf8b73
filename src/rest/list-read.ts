import { MarketoCallError } from '../transport/contract.js';
import { asObject, parseJsonBounded } from './json.js';

/**
 * Get Leads by List (`GET /rest/v1/lists/{listId}/leads.json`): the members of a static list, `batchSize`
 * 300 a page, paged by `nextPageToken`, with `fields=id,email`.
 */

/** A member of a static list. */
export interface ListMember {
  id: number;
  email: string | null;
}

/** Pages read at most (300 each: 3,000,000 members), so that an answer that never ends cannot hold us. */
const MAX_PAGES = 10_000;
/** A paging token is a short opaque text; a longer one is not Marketo's. */
const MAX_TOKEN_LENGTH = 1_000;

/** The `nextPageToken` of an answer body, when it has a sensible one. */
export function nextPageToken(body: string): string | undefined {
  if (!body.includes('nextPageToken')) return undefined;
  const parsed = parseJsonBounded(body);
  const token = parsed.ok ? asObject(parsed.value)?.nextPageToken : undefined;
  return typeof token === 'string' && token !== '' && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

/** Reads every page; `get` sends one GET and fills `page.next` with the answer's paging token. */
export async function readListMembers(
  listId: number,
  get: (path: string, page: { next?: string }) => Promise<unknown[]>,
): Promise<ListMember[]> {
  const members: ListMember[] = [];
  let token: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const query = new URLSearchParams({ fields: 'id,email', batchSize: '300' });
    if (token !== undefined) query.set('nextPageToken', token);
    const page: { next?: string } = {};
    const result = await get(`/rest/v1/lists/${listId}/leads.json?${query.toString()}`, page);
    for (const entry of result) {
      const o = asObject(entry);
      const id = o?.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
        throw new MarketoCallError(`Get Leads by List answered a member without a lead id`, {
          category: 'transient',
          code: 'malformed-answer',
          applied: 'not-applied',
        });
      members.push({ id, email: typeof o?.email === 'string' ? o.email : null });
    }
    // The last page has no token (Marketo also answers an empty result then).
    if (page.next === undefined || result.length === 0) return members;
    token = page.next;
  }
  throw new MarketoCallError(`Get Leads by List of list ${listId} did not end within ${MAX_PAGES} pages`, {
    category: 'transient',
    code: 'malformed-answer',
    applied: 'not-applied',
  });
}
