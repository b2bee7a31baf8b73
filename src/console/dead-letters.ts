import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { RedisBuffer } from '../buffer/buffer.js';
import type { DeadLetter, Verdict } from '../buffer/types.js';
import { AUDIT_MAX, consoleKeys } from './console-keys.js';

type RedisLike = Redis | Cluster;

/**
 * A filter of dead letters: by status (`s:INDETERMINATE`), Marketo error code (`c:1006`) or refused
 * field (`d:Score`). The facets are written by the settle script beside each dead letter.
 */
export type DeadLetterFacet = `${'s' | 'c' | 'd'}:${string}`;

const FACET = /^[scd]:[^\n]{1,200}$/;

/** Whether `text` is a facet the console can filter by. */
export function isFacet(text: string): text is DeadLetterFacet {
  return FACET.test(text);
}

/** A page of dead letters, newest first. */
export interface DeadLetterPage {
  total: number;
  letters: DeadLetter[];
}

// The operator verdicts on a record whose create may have been applied: the buffer's list.
export { VERDICTS, type Verdict } from '../buffer/types.js';

/** An operator's name as kept with a verdict: 1–64 letters, digits, spaces and `.@_-`. */
export const OPERATOR_NAME = /^[\p{L}\p{N} .@_-]{1,64}$/u;

/** The dead letters of `keys`, read through the buffer's view (which alone parses them). */
function lettersOf(buffer: RedisBuffer, keys: string[]): Promise<DeadLetter[]> {
  return buffer.view.deadLettersOf(keys);
}

/** Dead letters, newest first, optionally of one facet. */
export async function listDeadLetters(
  buffer: RedisBuffer,
  options: { facet?: DeadLetterFacet; offset?: number; limit?: number } = {},
): Promise<DeadLetterPage> {
  const redis = buffer.redis;
  const offset = Math.max(0, options.offset ?? 0);
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  if (!options.facet) {
    const [total, keys] = await Promise.all([
      redis.zcard(buffer.keys.dlqIndex),
      redis.zrevrange(buffer.keys.dlqIndex, offset, offset + limit - 1),
    ]);
    return { total, letters: await lettersOf(buffer, keys) };
  }
  const facetKey = consoleKeys(buffer.keys.base).dlqFacet(options.facet);
  // The facet set may name records already redriven: the dead-letter index decides.
  const tmp = `${buffer.keys.base}:console:tmp:${randomUUID()}`;
  const total = await redis.zinterstore(tmp, 2, buffer.keys.dlqIndex, facetKey, 'WEIGHTS', 1, 0);
  try {
    const keys = await redis.zrevrange(tmp, offset, offset + limit - 1);
    return { total, letters: await lettersOf(buffer, keys) };
  } finally {
    await redis.del(tmp);
  }
}

/** The facets dead letters have now, with their counts (stale facets are pruned on the way). */
export async function deadLetterFacets(buffer: RedisBuffer): Promise<{ facet: string; count: number }[]> {
  const cx = consoleKeys(buffer.keys.base);
  const names = (await buffer.redis.smembers(cx.dlqFacetNames)).slice(0, 500);
  const counts = await Promise.all(
    names.map((n) => buffer.redis.zintercard(2, buffer.keys.dlqIndex, cx.dlqFacet(n)) as Promise<number>),
  );
  const out: { facet: string; count: number }[] = [];
  const empty: string[] = [];
  names.forEach((facet, i) => (counts[i]! > 0 ? out.push({ facet, count: counts[i]! }) : empty.push(facet)));
  if (empty.length > 0) {
    const pipeline = buffer.redis.pipeline();
    for (const n of empty) pipeline.del(cx.dlqFacet(n)).srem(cx.dlqFacetNames, n);
    await pipeline.exec();
  }
  return out.sort((a, b) => b.count - a.count || a.facet.localeCompare(b.facet));
}

/** Keeps one operator action in the bounded audit list. */
export async function audit(redis: RedisLike, base: string, entry: Record<string, unknown>): Promise<void> {
  const cx = consoleKeys(base);
  await redis
    .pipeline()
    .lpush(cx.audit, JSON.stringify(entry))
    .ltrim(cx.audit, 0, AUDIT_MAX - 1)
    .exec();
}

/** Redrives dead letters by key, or every one of a facet; returns the keys put back. */
export async function redriveDeadLetters(
  buffer: RedisBuffer,
  target: { keys: string[] } | { facet: DeadLetterFacet },
  who: string,
  now = Date.now(),
): Promise<string[]> {
  let keys: string[];
  if ('keys' in target) keys = target.keys;
  else {
    const page = await listDeadLetters(buffer, { facet: target.facet, limit: 1000 });
    keys = page.letters.map((d) => d.key);
    // More than a page: the rest, a thousand at a time.
    for (let offset = 1000; offset < page.total; offset += 1000) {
      const more = await listDeadLetters(buffer, { facet: target.facet, offset, limit: 1000 });
      keys.push(...more.letters.map((d) => d.key));
    }
  }
  if (keys.length === 0) return [];
  const done: string[] = [];
  for (let i = 0; i < keys.length; i += 500)
    done.push(...(await buffer.redrive(keys.slice(i, i + 500), now)));
  await audit(buffer.redis, buffer.keys.base, {
    action: 'redrive',
    ...('facet' in target ? { facet: target.facet } : {}),
    keys: done.slice(0, 20),
    count: done.length,
    by: who,
    at: now,
  });
  return done;
}

/** What {@link resolveRecord} did. */
export type ResolveResult =
  | { result: 'ok'; verdict: Verdict; redriven: boolean }
  | { result: 'unknown' }
  | { result: 'refused'; why: string };

/**
 * Resolves an INDETERMINATE or PROBABLY_CREATED record with the operator's verdict, kept with who and
 * when: `created` (confirmed in Marketo: the outcome becomes CREATED, the dead letter goes) or
 * `resend` (not in Marketo: the dead letter is redriven and sent again as a new create).
 */
export async function resolveRecord(
  buffer: RedisBuffer,
  key: string,
  verdict: Verdict,
  who: string,
  options: { retentionSec: number; streamMaxLen: number; marketoId?: string },
  now = Date.now(),
): Promise<ResolveResult> {
  if (!OPERATOR_NAME.test(who))
    return { result: 'refused', why: 'by: 1–64 letters, digits, spaces or .@_- (who resolves it)' };
  if (options.marketoId !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(options.marketoId))
    return { result: 'refused', why: 'id: a Marketo id is 1–64 letters, digits or -' };
  const note = `confirmed created in Marketo by ${who} at ${new Date(now).toISOString()}`;
  const { result, detail } = await buffer.resolve(
    key,
    verdict,
    who,
    {
      retentionSec: options.retentionSec,
      streamMaxLen: options.streamMaxLen,
      auditMax: AUDIT_MAX,
      note,
      ...(options.marketoId !== undefined ? { id: options.marketoId } : {}),
    },
    now,
  );
  if (result === 'unknown') return { result };
  if (result === 'refused') return { result, why: detail || 'refused' };
  if (verdict === 'created') return { result: 'ok', verdict, redriven: false };
  const done = await buffer.redrive([key], now);
  return { result: 'ok', verdict, redriven: done.includes(key) };
}

/** The latest verdict kept for a record, if any. */
export async function resolutionOf(
  buffer: RedisBuffer,
  key: string,
): Promise<{ verdict: Verdict; by: string; at: number; previous: string } | null> {
  const raw = await buffer.redis.hget(consoleKeys(buffer.keys.base).resolutions, key);
  return raw === null
    ? null
    : (JSON.parse(raw) as { verdict: Verdict; by: string; at: number; previous: string });
}

/** The newest operator actions. */
export async function auditLog(
  redis: RedisLike,
  base: string,
  limit = 50,
): Promise<Record<string, unknown>[]> {
  const raws = await redis.lrange(consoleKeys(base).audit, 0, limit - 1);
  return raws.map((r) => JSON.parse(r) as Record<string, unknown>);
}
