import type { Cluster, Redis } from 'ioredis';
import { BATCH_GROUPS, isBatchGroup, memberGroupsIn, type BatchGroup } from '../vocabulary/batch-groups.js';
import { normalizeEntry } from './batch-entry.js';
import type { BufferKeys } from './keys.js';
import type { DeadLetter } from './types.js';

type RedisLike = Redis | Cluster;

/** Point-in-time view of the buffer, for metrics, progress and tests. */
export interface BufferStats {
  /** Per group: every fixed group, and each member group the buffer has held (`groups`). */
  waiting: Record<BatchGroup, number>;
  waitingTotal: number;
  inFlight: number;
  activeCalls: number;
  deadLetters: number;
  /** Epoch ms of the oldest waiting change, or null. */
  oldestWaitingAt: number | null;
  /** Per group, epoch ms its oldest waiting record became eligible, or null when none waits. */
  oldestByGroup: Record<BatchGroup, number | null>;
  counters: Record<string, number>;
  pausedUntil: number | null;
  stopped: string | null;
}

/**
 * What the buffer holds, read only: for the worker's queue page and readiness, the metrics, the demo,
 * the `dlq` command and the dispatcher's choice of groups. It changes nothing.
 */
export class BufferView {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: BufferKeys,
  ) {}

  /** A consistent-enough snapshot of the buffer (several reads in one pipeline). */
  async stats(now = Date.now()): Promise<BufferStats> {
    // The fixed groups, then the member groups (one per list, program, custom object) the buffer has held.
    const groups = [...BATCH_GROUPS, ...memberGroupsIn(await this.redis.smembers(this.keys.groups))];
    const pipeline = this.redis.pipeline();
    for (const g of groups) pipeline.zcard(this.keys.dirty(g));
    for (const g of groups) pipeline.zrange(this.keys.dirty(g), 0, 0, 'WITHSCORES');
    pipeline.hlen(this.keys.inflight);
    pipeline.zcount(this.keys.leases, `(${now}`, '+inf');
    pipeline.hlen(this.keys.dlq);
    pipeline.hgetall(this.keys.counters);
    pipeline.get(this.keys.pause);
    pipeline.get(this.keys.stop);
    const results = (await pipeline.exec())!.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    const n = groups.length;
    const waiting = Object.fromEntries(groups.map((g, i) => [g, results[i] as number])) as Record<
      BatchGroup,
      number
    >;
    const oldestByGroup = Object.fromEntries(
      groups.map((g, i) => {
        const score = (results[n + i] as string[])[1];
        return [g, score === undefined ? null : Number(score)];
      }),
    ) as Record<BatchGroup, number | null>;
    const oldest = Object.values(oldestByGroup).filter((t): t is number => t !== null);
    const counters = Object.fromEntries(
      Object.entries(results[2 * n + 3] as Record<string, string>).map(([k, v]) => [k, Number(v)]),
    );
    const pause = results[2 * n + 4] as string | null;
    return {
      waiting,
      waitingTotal: Object.values(waiting).reduce((a, b) => a + b, 0),
      inFlight: results[2 * n] as number,
      activeCalls: results[2 * n + 1] as number,
      deadLetters: results[2 * n + 2] as number,
      oldestWaitingAt: oldest.length > 0 ? Math.min(...oldest) : null,
      oldestByGroup,
      counters,
      pausedUntil: pause !== null && Number(pause) > now ? Number(pause) : null,
      stopped: results[2 * n + 5] as string | null,
    };
  }

  /** Dead letters, oldest first. */
  async deadLetters(limit = 1000): Promise<DeadLetter[]> {
    const keys = await this.redis.zrange(this.keys.dlqIndex, 0, limit - 1);
    return this.deadLettersOf(keys);
  }

  /** The dead letters of `recordKeys`, in their order; a key that is not dead-lettered is left out. */
  async deadLettersOf(recordKeys: readonly string[]): Promise<DeadLetter[]> {
    if (recordKeys.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.dlq, ...recordKeys);
    return raws
      .map((raw, i) =>
        raw === null
          ? null
          : ({ key: recordKeys[i]!, ...(JSON.parse(raw) as Omit<DeadLetter, 'key'>) } as DeadLetter),
      )
      .filter((d): d is DeadLetter => d !== null)
      .map((d) => ({ ...d, entry: normalizeEntry(d.entry) }));
  }

  /** Why sending is stopped (authentication failing), or null when it is not. */
  async stopReason(): Promise<string | null> {
    return this.redis.get(this.keys.stop);
  }

  /**
   * The groups that ever held a record, as Redis lists them. A name the vocabulary does not know (a
   * newer release's group) is left out here: the caller is told by `unknown`.
   */
  async groupsWithRecords(): Promise<{ known: Set<BatchGroup>; unknown: string[] }> {
    const names = await this.redis.smembers(this.keys.groups);
    const known = new Set<BatchGroup>();
    const unknown: string[] = [];
    for (const name of names) {
      if (isBatchGroup(name)) known.add(name);
      else unknown.push(name);
    }
    return { known, unknown };
  }

  /**
   * Whether each record has a change waiting (its pending state exists) or in flight (a batch holds it),
   * in order. One round trip. Records that name a lead wait while that lead's change is on its way.
   */
  async pendingOrInFlight(recordKeys: readonly string[]): Promise<boolean[]> {
    if (recordKeys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of recordKeys) {
      pipeline.exists(this.keys.rec(key));
      pipeline.hexists(this.keys.inflight, key);
    }
    const replies = (await pipeline.exec())!.map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    return recordKeys.map((_, i) => replies[2 * i]! > 0 || replies[2 * i + 1]! > 0);
  }

  /**
   * The data of up to `limit` records waiting in `group`, the soonest due first (records whose data is
   * not JSON are left out). For a look ahead: the lead resolver fills its lookups with the leads of
   * records still to come, so that 300 keys go in each request. Its group (custom activities) never
   * merges, so no change waits beside the data (`more`, common.lua).
   */
  async upcoming(group: string, limit: number): Promise<unknown[]> {
    const keys = await this.redis.zrange(this.keys.dirty(group), 0, Math.max(0, limit - 1));
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    // The data is under `data`, or `base` for a record written since this release's workers ran.
    for (const key of keys) pipeline.hmget(this.keys.rec(key), 'data', 'base');
    const out: unknown[] = [];
    for (const [error, fields] of (await pipeline.exec())!) {
      if (error || !Array.isArray(fields)) continue;
      const [data, base] = fields as (string | null)[];
      const raw = data ?? base;
      if (!raw) continue;
      try {
        out.push(JSON.parse(raw));
      } catch {
        // Not ours to judge here: the sender dead-letters a record it cannot read.
      }
    }
    return out;
  }

  /** Calls taken from the shared rate limiter in the `windowMs` before `now`. */
  async callsInWindow(windowMs: number, now = Date.now()): Promise<number> {
    return this.redis.zcount(this.keys.rate, now - windowMs, '+inf');
  }

  /** Calls made on a quota day and the time of the last successful call (epoch ms, or null). */
  async callStats(day: string): Promise<{ callsToday: number; lastSuccessAt: number | null }> {
    const [calls, last] = await this.redis.mget(this.keys.callsOn(day), this.keys.lastSuccess);
    return {
      callsToday: Number(calls ?? 0),
      lastSuccessAt: last === null || last === undefined ? null : Number(last),
    };
  }
}
