import type { Cluster, Redis } from 'ioredis';
import { RedisBuffer } from '../buffer/buffer.js';
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
   * Changes written per Redis call.
   * @defaultValue 500
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
  const chunkSize = options.chunkSize ?? 500;

  const write = async (validated: ValidatedChanges): Promise<EnqueueResult> => {
    const accepted: ChangeReference[] = [];
    for (let i = 0; i < validated.valid.length; i += chunkSize) {
      const chunk = validated.valid.slice(i, i + chunkSize);
      const refs = await buffer.enqueue(chunk.map((v) => v.change));
      refs.forEach((ref, j) => accepted.push({ index: chunk[j]!.index, ...ref }));
    }
    return { accepted, rejected: validated.problems };
  };
  const list = <T>(changes: T | readonly T[]): readonly T[] =>
    Array.isArray(changes) ? changes : [changes as T];

  return {
    buffer,
    enqueueLeads: (changes) => write(validateLeads(list(changes))),
    enqueueMObjects: (changes) => write(validateMObjects(list(changes))),
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
