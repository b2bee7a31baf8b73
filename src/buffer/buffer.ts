import { randomUUID } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import { boundText } from '../bounded-text.js';
import { INTAKE_GROUPS, isIntakeGroup, type TransportGroupName } from '../vocabulary/batch-groups.js';
import { normalizeEntry } from './batch-entry.js';
import { BUFFER_SCRIPTS, ENQUEUE_SCRIPT } from './buffer-scripts.js';
import { WrittenScript } from './written-command.js';
import { BufferView, type BufferStats } from './buffer-view.js';
import { bufferKeys, type BufferKeys } from './keys.js';
import { defineScripts } from './lua-loader.js';
import { OutcomeReader } from './outcome-reader.js';
import type {
  BatchEntry,
  BatchGroup,
  ClaimedBatch,
  DeadLetter,
  Outcome,
  StoredChange,
  Verdict,
} from './types.js';

export type { BufferStats } from './buffer-view.js';

type RedisLike = Redis | Cluster;

const INTAKE = new Set<string>(INTAKE_GROUPS);

/** One change for {@link RedisBuffer.enqueue}: its record key (ending in `#` to never merge), group and data. */
export interface BufferedChange {
  key: string;
  /** One of the groups intake writes (`isIntakeGroup`); any other is refused, nothing written. */
  group: TransportGroupName;
  data: StoredChange;
  /** The producer's idempotency key: a resend within the window is answered with the first reference. */
  idempotencyKey?: string;
}

/**
 * A change whose data the producer already holds as JSON text (the ingest server's scan of a plain body,
 * `src/producer/lead-body-scan.ts`): `dataText` is exactly what `JSON.stringify` of the data would give,
 * and is written as it is.
 */
export interface TextChange {
  key: string;
  group: TransportGroupName;
  dataText: string;
  idempotencyKey?: string;
}

/** What {@link RedisBuffer.enqueue} takes: a change with its data, or with its data as JSON text. */
export type EnqueueChange = BufferedChange | TextChange;

/** Where a change went; `replayed` when its idempotency key was remembered and nothing was written. */
export interface BufferReference {
  key: string;
  seq: number;
  replayed?: true;
}

/**
 * Each change's final record key and sequence number, in order; `merged` counts those that coalesced,
 * `replayed` those answered from an idempotency key.
 */
export type EnqueueReply = BufferReference[] & { merged: number; replayed: number };

/** ENQUEUE, whose thousands of arguments are written in one pass (written-command.ts). */
const ENQUEUE = new WrittenScript(ENQUEUE_SCRIPT.file);

/** A change's data as the JSON text the buffer stores. */
function dataText(change: EnqueueChange): string {
  return 'dataText' in change ? change.dataText : JSON.stringify(change.data);
}

/** How long the enqueue script remembers an idempotency key unless told otherwise: one day. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 86_400_000;

/** Options of {@link RedisBuffer}. */
export interface RedisBufferOptions {
  /** How long an idempotency key is remembered, in whole milliseconds (at least 1). @defaultValue one day */
  idempotencyWindowMs?: number;
}

/** The gates a claim passes: shared by every worker through Redis. */
export interface ClaimLimits {
  maxBatch: number;
  lingerMs: number;
  /** Calls in flight at once across all workers; 0 = off. */
  maxConcurrent: number;
  /** Calls per `rateWindowMs` across all workers; 0 = off. */
  rateMax: number;
  rateWindowMs: number;
  leaseMs: number;
  /** Send what is there without waiting for a full batch or the linger time. */
  flush?: boolean;
  /**
   * Hold a record while it still changes: it goes once its last change is this old, or once its first
   * change waited `lingerMs`. 0 = off.
   */
  quietMs?: number;
}

/** Why a claim got no batch, and until when (epoch ms) that holds, when known. */
export interface ClaimRefusal {
  reason: 'paused' | 'stopped' | 'busy' | 'rate' | 'linger' | 'idle';
  until?: number;
  detail?: string;
}

/** What {@link RedisBuffer.settle} does with one record of a batch. */
export type SettleAction =
  | { key: string; action: 'done'; outcome: Outcome }
  | {
      key: string;
      action: 'retry';
      score: number;
      burn: boolean;
      /** The attempt may have been applied: the record remembers it ({@link BatchEntry.uncertain}). */
      uncertain?: boolean;
    }
  | { key: string; action: 'dead'; outcome: Outcome; dead: Omit<DeadLetter, 'entry' | 'group'> };

// The last guard before an outcome or dead letter is kept: whatever built it, its texts are bounded,
// so one is never more than a few KB (the record snapshot of a dead letter is bounded at intake).
function bounded(action: SettleAction): SettleAction {
  if (action.action === 'retry') return action;
  const outcome: Outcome = {
    ...action.outcome,
    // Typed, but settled actions may come from library callers: the bound holds whatever they pass.
    status: boundText(action.outcome.status, 32) as Outcome['status'],
    error: action.outcome.error === null ? null : boundText(action.outcome.error),
  };
  if (action.action === 'done') return { ...action, outcome };
  return { ...action, outcome, dead: { ...action.dead, reason: boundText(action.dead.reason) } };
}

/**
 * The coalescing buffer in Redis: changes merge per record until a batch claims them; a claimed batch
 * is settled record by record or recovered by the sweeper after a crash.
 */
export class RedisBuffer {
  /** The deployment's key prefix (`MKTSYNC_PREFIX`): every key is under the hash tag `{prefix}`. */
  readonly prefix: string;
  /** The key names, for tests and the buffer's own modules: nothing else in src/ builds a key. */
  readonly keys: BufferKeys;
  readonly idempotencyWindowMs: number;
  /** The outcomes the workers wrote: per record and the stream. */
  readonly outcomes: OutcomeReader;
  /** What the buffer holds, read only. */
  readonly view: BufferView;

  constructor(
    readonly redis: RedisLike,
    prefix: string,
    options: RedisBufferOptions = {},
  ) {
    this.prefix = prefix;
    this.keys = bufferKeys(prefix);
    this.outcomes = new OutcomeReader(redis, this.keys);
    this.view = new BufferView(redis, this.keys);
    const windowMs = options.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS;
    // The enqueue script takes a window of 0 as "no change carries a key" and hands the window to PX.
    if (!Number.isSafeInteger(windowMs) || windowMs < 1)
      throw new RangeError(
        `idempotencyWindowMs: must be a whole number of milliseconds, at least 1 (got ${windowMs})`,
      );
    this.idempotencyWindowMs = windowMs;
    defineScripts(redis, BUFFER_SCRIPTS);
  }

  /**
   * Accepts changes in order, atomically (one script call, whatever their number); returns each change's
   * final record key and sequence number. A change whose idempotency key was written within the window
   * is not written again: it gets its first reference, marked `replayed`. A change of a group intake
   * does not write (no transport carries it, or a legacy group) is refused with a TypeError naming it,
   * and nothing of the call is written.
   */
  async enqueue(changes: readonly EnqueueChange[], now = Date.now()): Promise<EnqueueReply> {
    if (changes.length === 0) return Object.assign([], { merged: 0, replayed: 0 });
    let keyed = false;
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!;
      // The fixed groups by a set lookup (the common case, once per change), member groups parsed.
      if (!INTAKE.has(change.group) && !isIntakeGroup(change.group))
        throw new TypeError(
          `changes[${i}].group: ${JSON.stringify(change.group)} is not a group intake writes ` +
            `(${INTAKE_GROUPS.join(', ')}, or A, C:<apiName>:<operation>, M:<listId>:<ADD|REMOVE>, ` +
            `S:<programId>:<status>); nothing was written`,
        );
      if (change.idempotencyKey !== undefined) keyed = true;
    }
    const options = JSON.stringify({ now, window: this.idempotencyWindowMs, keyed });
    const args: string[] = [this.keys.base, options];
    // The argument list is passed whole (ioredis flattens it): spreading 100,000+ arguments into a call
    // overflows the stack.
    if (keyed) for (const c of changes) args.push(c.key, c.group, dataText(c), c.idempotencyKey ?? '');
    else for (const c of changes) args.push(c.key, c.group, dataText(c));
    const reply = (await ENQUEUE.call(this.redis, this.keys.seq, args)) as (number | string)[];
    const lastSeq = Number(reply[0]);
    const merged = Number(reply[1]);
    // Changes answered from memory took no sequence number; the others took consecutive ones.
    const replays = new Map<number, BufferReference>();
    for (let j = 2; j < reply.length; j += 2) {
      const ref = String(reply[j + 1]);
      const space = ref.indexOf(' ');
      replays.set(Number(reply[j]) - 1, {
        key: ref.slice(space + 1),
        seq: Number(ref.slice(0, space)),
        replayed: true,
      });
    }
    let seq = lastSeq - (changes.length - replays.size);
    const out = changes.map((c, i): BufferReference => {
      const replayed = replays.get(i);
      if (replayed) return replayed;
      seq += 1;
      return { key: c.key.endsWith('#') ? `${c.key}${seq}` : c.key, seq };
    });
    return Object.assign(out, { merged, replayed: replays.size });
  }

  /** Claims a batch of `group` if the gates allow one now. */
  async claim(
    group: BatchGroup,
    limits: ClaimLimits,
    now = Date.now(),
  ): Promise<ClaimedBatch | ClaimRefusal> {
    const id = randomUUID();
    const options = {
      group,
      now,
      maxBatch: limits.maxBatch,
      lingerMs: limits.lingerMs,
      maxActive: limits.maxConcurrent,
      rateMax: limits.rateMax,
      rateWindowMs: limits.rateWindowMs,
      leaseMs: limits.leaseMs,
      batchId: id,
      flush: limits.flush === true,
      quietMs: limits.quietMs ?? 0,
    };
    const reply = await this.redis.mktClaim(this.keys.seq, this.keys.base, JSON.stringify(options));
    if (reply[0] === 'batch') {
      const entries = JSON.parse(reply[2]!) as BatchEntry[] | Record<string, never> as BatchEntry[];
      return { id, group, entries: (Array.isArray(entries) ? entries : []).map(normalizeEntry) };
    }
    const reason = reply[0] as ClaimRefusal['reason'];
    if (reason === 'stopped') return { reason, detail: reply[1] };
    const until = Number(reply[1]);
    return until > 0 ? { reason, until } : { reason };
  }

  /** Takes a rate token for one more call inside a claimed batch; 0 when taken, else ms to wait. */
  async takeToken(
    limits: Pick<ClaimLimits, 'rateMax' | 'rateWindowMs'>,
    member: string,
    now = Date.now(),
  ): Promise<number> {
    return this.redis.mktTakeToken(
      this.keys.seq,
      this.keys.base,
      now,
      limits.rateMax,
      limits.rateWindowMs,
      member,
    );
  }

  /** Settles a batch; false when it was lost (its lease expired and its records were put back). */
  async settle(
    batchId: string,
    actions: readonly SettleAction[],
    retentionSec: number,
    streamMaxLen: number,
    now = Date.now(),
  ): Promise<boolean> {
    const reply = await this.redis.mktSettle(
      this.keys.seq,
      this.keys.base,
      JSON.stringify({ batchId, now, retentionSec, streamMaxLen }),
      JSON.stringify(actions.map(bounded)),
    );
    return reply === 'ok';
  }

  /** Extends a batch's lease; false when the batch is gone. */
  async renew(batchId: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    return (await this.redis.mktRenew(this.keys.seq, this.keys.base, batchId, now, leaseMs)) === 1;
  }

  /** Recovers batches whose lease expired; returns how many. */
  async sweep(now = Date.now(), limit = 100): Promise<number> {
    return this.redis.mktSweep(this.keys.seq, this.keys.base, now, limit);
  }

  /** Pauses every worker until `untilMs` (a longer pause already set stays). */
  async pauseUntil(untilMs: number): Promise<number> {
    return this.redis.mktPause(this.keys.seq, this.keys.base, Math.ceil(untilMs));
  }

  /**
   * Pauses every worker after Marketo said its rate window is full: until about when the oldest call of
   * the shared limiter's window leaves it (plus a margin), at most until `untilMs` (pause.lua).
   */
  async pauseForRateWindow(untilMs: number, now: number, windowMs: number): Promise<number> {
    return this.redis.mktPause(
      this.keys.seq,
      this.keys.base,
      Math.ceil(untilMs),
      Math.floor(now),
      Math.ceil(windowMs),
    );
  }

  /**
   * Tells producers that the workers on this prefix merge a lead's waiting changes (see
   * {@link BufferKeys.mergeWait}): every worker says so when it starts.
   */
  async allowMergeWait(): Promise<void> {
    await this.redis.set(this.keys.mergeWait, '1');
  }

  /**
   * Keeps a program's channel steps (status name → step), which the merge of program member status
   * changes reads so that the furthest status wins (common.lua `keepsOlder`). Replaces what was kept:
   * a channel's statuses may change. Kept for `ttlMs`, so that a changed channel is read again.
   */
  async setProgramSteps(
    programId: number,
    steps: Readonly<Record<string, number>>,
    ttlMs = 86_400_000,
  ): Promise<void> {
    const key = this.keys.steps(programId);
    const pairs = Object.entries(steps).flatMap(([name, step]) => [name, String(step)]);
    const multi = this.redis.multi().del(key);
    if (pairs.length > 0) multi.hset(key, ...pairs).pexpire(key, ttlMs);
    await multi.exec();
  }

  /** Whether a program's channel steps are kept (see {@link setProgramSteps}). */
  async hasProgramSteps(programId: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.steps(programId))) === 1;
  }

  /** Stops sending for `ms` (authentication failing), with a reason readiness reports. */
  async stopSending(reason: string, ms: number): Promise<void> {
    await this.redis.set(this.keys.stop, reason, 'PX', ms);
  }

  async resumeSending(): Promise<void> {
    await this.redis.del(this.keys.stop);
  }

  /** The latest outcome of a record, or null. */
  async getOutcome(key: string): Promise<Outcome | null> {
    return this.outcomes.latest(key);
  }

  /** Dead letters, oldest first. */
  async deadLetters(limit = 1000): Promise<DeadLetter[]> {
    return this.view.deadLetters(limit);
  }

  /** Puts dead letters back as pending (all when `keys` is empty); returns the keys redriven. */
  async redrive(keys: readonly string[] = [], now = Date.now()): Promise<string[]> {
    return this.redis.mktRedrive(this.keys.seq, this.keys.base, now, ...keys);
  }

  /**
   * Keeps an operator's verdict on a record whose create may have been applied (see resolve.lua):
   * `created` ends the doubt (outcome CREATED with `note`, dead letter dropped); `resend` only keeps
   * the verdict, for the caller to redrive. `auditMax` caps the console's audit list.
   */
  async resolve(
    key: string,
    verdict: Verdict,
    by: string,
    options: { retentionSec: number; streamMaxLen: number; auditMax: number; note: string; id?: string },
    now = Date.now(),
  ): Promise<{ result: 'ok' | 'unknown' | 'refused'; detail: string }> {
    const [result, detail] = await this.redis.mktResolve(
      this.keys.seq,
      this.keys.base,
      JSON.stringify({ key, verdict, by, now, ...options }),
    );
    if (result !== 'ok' && result !== 'unknown' && result !== 'refused')
      throw new Error(`resolve answered ${String(result)}`);
    return { result, detail: detail ?? '' };
  }

  /** Counts a call against the quota day and, when it succeeded, remembers when. */
  async recordCall(day: string, success: boolean, now = Date.now()): Promise<void> {
    const pipeline = this.redis
      .pipeline()
      .incr(this.keys.callsOn(day))
      .expire(this.keys.callsOn(day), 3 * 86_400);
    if (success) pipeline.set(this.keys.lastSuccess, now);
    await pipeline.exec();
  }

  /** Calls made on a quota day and the time of the last successful call (epoch ms, or null). */
  async callStats(day: string): Promise<{ callsToday: number; lastSuccessAt: number | null }> {
    return this.view.callStats(day);
  }

  /** A consistent-enough snapshot of the buffer (several reads in one pipeline). */
  async stats(now = Date.now()): Promise<BufferStats> {
    return this.view.stats(now);
  }
}
