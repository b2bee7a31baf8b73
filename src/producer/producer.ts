import type { Cluster, Redis } from 'ioredis';
import { RedisBuffer, type EnqueueReply } from '../buffer/buffer.js';
import type { Outcome } from '../buffer/types.js';
import type { InputProblem } from '../model/records.js';
import { connectRedis, waitReady, type RedisTarget } from '../redis.js';
import {
  validateLeads,
  validateMObjects,
  type LeadChange,
  type MObjectChange,
  type ValidatedChanges,
} from './changes.js';

/** Options of {@link createProducer}. */
export interface ProducerOptions extends RedisTarget {
  /** An existing connection to use instead of `url`/`clusterNodes`; it is not closed by `close()`. */
  redis?: Redis | Cluster;
  /**
   * Key prefix (the Redis Cluster hash tag) shared with the workers.
   * @defaultValue "mktsync"
   */
  prefix?: string;
  /**
   * Changes written per Redis call. The calls of one enqueue are pipelined on the connection (Redis
   * keeps their order), so Redis merges one chunk while the next is being prepared.
   * @defaultValue 100
   */
  chunkSize?: number;
}

/** Where an accepted change went: the record it merges into and the sequence number it was accepted at. */
export interface ChangeReference {
  /** Position of the change in the call's input. */
  index: number;
  key: string;
  seq: number;
}

/**
 * Redis failed part of an enqueue call. `accepted` lists the changes that were written before the
 * failure (they will be sent); the others were not and may be enqueued again.
 */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
  constructor(
    message: string,
    readonly accepted: ChangeReference[],
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** The answer to one enqueue call: every input is either accepted or rejected with its reasons. */
export interface EnqueueResult {
  accepted: ChangeReference[];
  rejected: InputProblem[];
}

/** Enqueues lead and object changes into the coalescing buffer. */
export interface Producer {
  /** Validates and enqueues lead changes: valid ones are accepted, invalid ones rejected naming the field. */
  enqueueLeads(changes: LeadChange | readonly LeadChange[]): Promise<EnqueueResult>;
  /** Validates and enqueues object changes. */
  enqueueMObjects(changes: MObjectChange | readonly MObjectChange[]): Promise<EnqueueResult>;
  /** The latest outcome of a record key, or null. */
  getOutcome(key: string): Promise<Outcome | null>;
  /** Resolves with the outcome that covers `ref` (its record settled at or after its sequence number). */
  waitForOutcome(
    ref: Pick<ChangeReference, 'key' | 'seq'>,
    options?: { timeoutMs?: number; pollMs?: number },
  ): Promise<Outcome>;
  readonly buffer: RedisBuffer;
  close(): Promise<void>;
}

/** Creates a producer. See {@link ProducerOptions}. */
export async function createProducer(options: ProducerOptions = {}): Promise<Producer> {
  const owned = options.redis === undefined;
  const redis = options.redis ?? connectRedis(options, 'producer');
  if (owned) await waitReady(redis);
  const buffer = new RedisBuffer(redis, options.prefix ?? 'mktsync');
  const chunkSize = options.chunkSize ?? 100;

  // Each chunk is validated and sent before the next is validated, without waiting for Redis: one
  // connection keeps them in order, and Redis merges a chunk while the next one is being checked.
  const write = async (
    inputs: readonly unknown[],
    validate: (inputs: readonly unknown[], at: (i: number) => number) => ValidatedChanges,
  ): Promise<EnqueueResult> => {
    const pending: Promise<EnqueueReply>[] = [];
    const chunks: ValidatedChanges['valid'][] = [];
    const rejected: InputProblem[] = [];
    for (let start = 0; start < inputs.length; start += chunkSize) {
      const validated = validate(inputs.slice(start, start + chunkSize), (i) => start + i);
      for (const problem of validated.problems) rejected.push(problem);
      if (validated.valid.length === 0) continue;
      chunks.push(validated.valid.map((v) => ({ index: start + v.index, change: v.change })));
      pending.push(buffer.enqueue(validated.valid.map((v) => v.change)));
    }
    const settled = await Promise.allSettled(pending);
    const accepted: ChangeReference[] = [];
    let failure: unknown;
    settled.forEach((result, c) => {
      if (result.status === 'rejected') failure ??= result.reason;
      else
        result.value.forEach((ref, j) =>
          accepted.push({ index: chunks[c]![j]!.index, key: ref.key, seq: ref.seq }),
        );
    });
    if (failure !== undefined) {
      const valid = chunks.reduce((n, c) => n + c.length, 0);
      throw new EnqueueError(
        `Redis refused ${valid - accepted.length} of ${valid} valid changes (${(failure as Error).message}); ` +
          'the error lists the accepted ones',
        accepted,
        failure,
      );
    }
    return { accepted, rejected };
  };
  const list = <T>(changes: T | readonly T[]): readonly T[] =>
    Array.isArray(changes) ? changes : [changes as T];

  return {
    buffer,
    enqueueLeads: (changes) => write(list(changes), validateLeads),
    enqueueMObjects: (changes) => write(list(changes), validateMObjects),
    getOutcome: (key) => buffer.getOutcome(key),
    async waitForOutcome(ref, { timeoutMs = 60_000, pollMs = 50 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const outcome = await buffer.getOutcome(ref.key);
        if (outcome && outcome.lastSeq >= ref.seq) return outcome;
        if (Date.now() >= deadline)
          throw new Error(`no outcome for ${ref.key} (seq ${ref.seq}) within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    async close() {
      if (!owned) return;
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
}
