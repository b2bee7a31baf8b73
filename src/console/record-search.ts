import type { Cluster, Redis } from 'ioredis';
import type { BufferKeys } from '../buffer/keys.js';
import { OutcomeReader } from '../buffer/outcome-reader.js';
import type { Outcome } from '../buffer/types.js';
import { leadKey } from '../producer/record-keys.js';
import { FOREIGN_SYS_TYPES } from '../vocabulary/foreign-sys-types.js';
import { consoleKeys } from './console-keys.js';

type RedisLike = Redis | Cluster;

/** One search hit: a record key and its latest outcome (null when the outcome expired before the index). */
export interface RecordHit {
  key: string;
  outcome: Outcome | null;
}

/** What to search by: a key (Email, ForeignSysPersonId, Marketo id or record key), or facets and time. */
export interface RecordQuery {
  key?: string;
  status?: string;
  code?: string;
  field?: string;
  /** Epoch ms bounds of the latest outcome's time. */
  since?: number;
  until?: number;
  limit?: number;
  /** Members of the leading index to skip (the `next` of the previous page). */
  offset?: number;
}

/** A page of hits, newest first; `next` is the `offset` of the following page (null: none). */
export interface RecordPage {
  hits: RecordHit[];
  next: number | null;
}

/** Candidates read past those that fail a second facet, so a narrow filter still fills a page. */
const SCAN_MAX = 5_000;

/**
 * The record keys a typed key may be: an Email, a ForeignSysPersonId (any type), a Marketo lead id, or
 * a record key as `mktsync outcomes` prints it.
 */
export function candidateKeys(text: string): string[] {
  const q = text.trim();
  if (q === '') return [];
  // The producer's own record keys, so that a search finds what intake wrote.
  const out = new Set<string>([q]);
  if (q.includes('@')) out.add(leadKey({ Email: q }));
  if (/^\d+$/.test(q) && Number.isSafeInteger(Number(q))) out.add(leadKey({ Id: Number(q) }));
  for (const t of FOREIGN_SYS_TYPES) out.add(leadKey({ ForeignSysType: t, ForeignSysPersonId: q }));
  return [...out];
}

/** The latest outcomes of `recordKeys`, read by the buffer's outcome reader (which alone parses them). */
async function outcomesOf(redis: RedisLike, keys: BufferKeys, recordKeys: string[]): Promise<RecordHit[]> {
  const outcomes = await new OutcomeReader(redis, keys).latestOf(recordKeys);
  return recordKeys.map((key, i) => ({ key, outcome: outcomes[i] ?? null }));
}

/** Finds records by key: exact record keys first, then the Marketo id index. */
export async function searchByKey(redis: RedisLike, keys: BufferKeys, text: string): Promise<RecordHit[]> {
  const cx = consoleKeys(keys.base);
  const candidates = candidateKeys(text);
  const byId = /^[A-Za-z0-9-]{1,64}$/.test(text.trim()) ? await redis.hget(cx.ids, text.trim()) : null;
  if (byId !== null && !candidates.includes(byId)) candidates.push(byId);
  const hits = await outcomesOf(redis, keys, candidates);
  return hits.filter((h) => h.outcome !== null);
}

/** Finds records by status, error code, field and time, newest first, from the console's indexes. */
export async function searchRecords(
  redis: RedisLike,
  keys: BufferKeys,
  query: RecordQuery,
): Promise<RecordPage> {
  if (query.key) return { hits: await searchByKey(redis, keys, query.key), next: null };
  const cx = consoleKeys(keys.base);
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  // The narrowest index leads; the other facets are checked against each record's facets.
  const index = query.field
    ? cx.field(query.field)
    : query.code
      ? cx.code(query.code)
      : query.status
        ? cx.status(query.status)
        : cx.time;
  const checks: [number, string][] = [];
  if (query.status && index !== cx.status(query.status)) checks.push([0, query.status]);
  if (query.code && index !== cx.code(query.code)) checks.push([1, query.code]);
  const max = query.until !== undefined ? `(${query.until}` : '+inf';
  const min = query.since !== undefined ? String(query.since) : '-inf';
  // Offsets, not times, page on: a batch settles hundreds of records in the same millisecond.
  const found: { key: string; after: number }[] = [];
  const start = Math.max(0, query.offset ?? 0);
  let offset = start;
  while (found.length <= limit && offset - start < SCAN_MAX) {
    const chunk = checks.length === 0 ? limit + 1 : 500;
    const page = await redis.zrevrangebyscore(index, max, min, 'WITHSCORES', 'LIMIT', offset, chunk);
    if (page.length === 0) break;
    const members: { key: string; after: number }[] = [];
    for (let i = 0; i < page.length; i += 2) members.push({ key: page[i]!, after: offset + i / 2 + 1 });
    offset += members.length;
    if (checks.length === 0) found.push(...members);
    else {
      const facets = await redis.hmget(cx.facets, ...members.map((m) => m.key));
      members.forEach((m, i) => {
        const parts = (facets[i] ?? '').split('\n');
        if (checks.every(([at, want]) => parts[at] === want)) found.push(m);
      });
    }
    if (members.length < chunk) break;
  }
  const shown = found.slice(0, limit);
  const next = found.length > limit ? shown[shown.length - 1]!.after : null;
  return {
    hits: await outcomesOf(
      redis,
      keys,
      shown.map((m) => m.key),
    ),
    next,
  };
}

/** The error codes and fields the indexes hold, with their counts, for the search form's choices. */
export async function facetCounts(
  redis: RedisLike,
  keys: BufferKeys,
  statuses: readonly string[],
): Promise<Record<string, number>> {
  const cx = consoleKeys(keys.base);
  const pipeline = redis.pipeline();
  for (const s of statuses) pipeline.zcard(cx.status(s));
  pipeline.zcard(cx.time);
  const results = (await pipeline.exec()) ?? [];
  const counts: Record<string, number> = {};
  statuses.forEach((s, i) => (counts[s] = Number(results[i]?.[1] ?? 0)));
  counts.indexed = Number(results[statuses.length]?.[1] ?? 0);
  return counts;
}
