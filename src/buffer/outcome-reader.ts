import type { Cluster, Redis } from 'ioredis';
import { bufferKeys, type BufferKeys } from './keys.js';
import type { Outcome } from './types.js';

type RedisLike = Redis | Cluster;

/** One entry of the outcome stream: its stream id and the outcome. */
export interface StreamedOutcome {
  id: string;
  outcome: Outcome;
}

/** An outcome as SETTLE wrote it (JSON), read back. */
export function parseOutcome(raw: string): Outcome {
  return JSON.parse(raw) as Outcome;
}

/**
 * Reads the outcomes the workers write: the latest per record (kept for the retention time) and the
 * stream of every outcome. The only place an outcome is read back from Redis.
 */
export class OutcomeReader {
  /** A reader of the outcomes under `prefix` (`MKTSYNC_PREFIX`). */
  static of(redis: RedisLike, prefix: string): OutcomeReader {
    return new OutcomeReader(redis, bufferKeys(prefix));
  }

  constructor(
    private readonly redis: RedisLike,
    private readonly keys: BufferKeys,
  ) {}

  /** The latest outcome of a record, or null. */
  async latest(key: string): Promise<Outcome | null> {
    const raw = await this.redis.get(this.keys.outcome(key));
    return raw === null ? null : parseOutcome(raw);
  }

  /** The latest outcome of each record, in order (null where there is none). One round trip. */
  async latestOf(keys: readonly string[]): Promise<(Outcome | null)[]> {
    if (keys.length === 0) return [];
    const raws = await this.redis.mget(...keys.map((k) => this.keys.outcome(k)));
    return raws.map((raw) => (raw === null || raw === undefined ? null : parseOutcome(raw)));
  }

  /**
   * Up to `count` stream entries after the stream id `after` (`0-0`: from the start), oldest first;
   * with `blockMs`, waits that long for one when there is none yet.
   */
  async after(after: string, count: number, blockMs?: number): Promise<StreamedOutcome[]> {
    const reply =
      blockMs === undefined
        ? await this.redis.xread('COUNT', count, 'STREAMS', this.keys.outcomes, after)
        : await this.redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.keys.outcomes, after);
    return (reply?.[0]?.[1] ?? []).map(([id, fields]) => ({ id, outcome: streamed(fields) }));
  }

  /** Every outcome in the stream, oldest first. */
  async all(): Promise<Outcome[]> {
    const out: Outcome[] = [];
    let start = '-';
    for (;;) {
      const entries = await this.redis.xrange(this.keys.outcomes, start, '+', 'COUNT', 5000);
      for (const [, fields] of entries) out.push(streamed(fields));
      if (entries.length < 5000) return out;
      start = `(${entries.at(-1)![0]}`;
    }
  }
}

/** The outcome of a stream entry's fields (`key`, `outcome`). */
function streamed(fields: readonly string[]): Outcome {
  return parseOutcome(fields[fields.indexOf('outcome') + 1]!);
}
