import type { Cluster, Redis } from 'ioredis';
import { RedisBuffer, type EnqueueChange, type EnqueueReply } from '../buffer/buffer.js';
import type { Outcome } from '../buffer/types.js';
import type { InputProblem } from '../model/records.js';
import { connectRedis, waitReady, type RedisTarget } from '../redis.js';
import { writeFailure } from './write-failure.js';
import { producerTarget } from './producer-instance.js';
import type { InstanceCatalog } from '../config.js';
import {
  validateLeads,
  type IntakeRules,
  validateMObjects,
  type LeadChange,
  type MObjectChange,
  type ValidatedChanges,
} from './changes.js';
import type { CustomObjectChange } from './custom-object-changes.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { validateMemberships, type MembershipChange } from './member-changes.js';
import { validateActivities, type ActivityChange } from './activity-change.js';

/** Options of {@link createProducer}. */
export interface ProducerOptions extends RedisTarget {
  /**
   * An existing connection to use instead of `url`/`clusterNodes`; it is not closed by `close()`. It
   * should not resend unanswered calls (a write Redis may have run): give it the producer's settings,
   * see `connectRedis` and docs/operations.md.
   */
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
  /**
   * How long an idempotency key is remembered (`MKTSYNC_IDEMPOTENCY_WINDOW_S` for the commands), in
   * seconds of at least 0.001, rounded to milliseconds.
   * @defaultValue 86400 (one day)
   */
  idempotencyWindowSec?: number;
  /**
   * The workers' transport (`MARKETO_TRANSPORT`): over REST, what REST cannot express is refused at
   * intake, naming the field (see `src/rest/expressible.ts`).
   * @defaultValue "soap"
   */
  transport?: TransportKind;
  /** `MARKETO_REST_FOREIGN_ID_FIELD`: over REST, leads keyed by ForeignSysPersonId need it. */
  restForeignIdField?: string;
  /**
   * The Marketo instance written to: its keys `{prefix:instance}`. With `instances` it must be one of
   * them (else a `ConfigError` names it), and its transport and foreign-id field set the intake rules.
   * @defaultValue the deployment's one instance, under `{prefix}` (or the file's default with `instances`)
   */
  instance?: string;
  /** The deployment's instances (`readInstances(env)`), to check `instance` against. */
  instances?: InstanceCatalog;
}

/** Where an accepted change went: the record it merges into and the sequence number it was accepted at. */
export interface ChangeReference {
  /** Position of the change in the call's input. */
  index: number;
  key: string;
  seq: number;
  /**
   * The change's idempotency key had been written within the window: nothing was written now, and this
   * is the reference of the first write.
   */
  replayed?: true;
}

/**
 * Redis failed part of an enqueue call. Every valid change is in exactly one list:
 * - `accepted`: written (they will be sent);
 * - `refused`: certainly not written; enqueue them again;
 * - `unknown`: the connection failed before Redis answered, so they may or may not have been written.
 *   Resend them with the same idempotency keys (a written one is then answered with its reference and
 *   not written twice); without keys a resend may write them twice.
 *
 * `refused` and `unknown` hold positions in the call's input; `rejected` the invalid inputs, as in
 * {@link EnqueueResult}.
 */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
  readonly accepted: ChangeReference[];
  readonly refused: number[];
  readonly unknown: number[];
  readonly rejected: InputProblem[];
  override readonly cause: unknown;
  constructor(
    message: string,
    parts: { accepted: ChangeReference[]; refused: number[]; unknown: number[]; rejected: InputProblem[] },
    cause: unknown,
  ) {
    super(message);
    this.accepted = parts.accepted;
    this.refused = parts.refused;
    this.unknown = parts.unknown;
    this.rejected = parts.rejected;
    this.cause = cause;
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
  /**
   * Validates and enqueues object changes: Marketo's standard objects (`type`) and custom objects
   * (`apiName`, over REST only), each in its own format (README, "Change formats").
   */
  enqueueMObjects(
    changes: MObjectChange | CustomObjectChange | readonly (MObjectChange | CustomObjectChange)[],
  ): Promise<EnqueueResult>;
  /**
   * Validates and enqueues static list membership changes (`{listId, lead, action}`: the last add or
   * remove per list and lead wins) and program member status changes (`{programId, lead, status}`: the
   * furthest status per program and lead wins). REST only: refused over SOAP, naming the field.
   */
  enqueueMemberships(changes: MembershipChange | readonly MembershipChange[]): Promise<EnqueueResult>;
  /**
   * Validates and enqueues custom activities (`{lead, activityType, activityDate,
   * primaryAttributeValue, attributes?}`): each its own record, never merged. REST only: refused over
   * SOAP, naming the field.
   */
  enqueueActivities(changes: ActivityChange | readonly ActivityChange[]): Promise<EnqueueResult>;
  /**
   * Writes changes that `validateLeads` or `validateMObjects` accepted (or `scanLeadBody` took) under
   * this producer's {@link Producer.intake} rules, in one Redis call: whole or not at all (the HTTP
   * ingest, `mktsync enqueue` and reconcile validate on their own, to answer per line or position). A change of a group
   * intake does not write is refused with a TypeError, nothing written.
   */
  enqueueChanges(changes: readonly EnqueueChange[]): Promise<EnqueueReply>;
  /** The latest outcome of a record key, or null. */
  getOutcome(key: string): Promise<Outcome | null>;
  /** Resolves with the outcome that covers `ref` (its record settled at or after its sequence number). */
  waitForOutcome(
    ref: Pick<ChangeReference, 'key' | 'seq'>,
    options?: { timeoutMs?: number; pollMs?: number },
  ): Promise<Outcome>;
  readonly buffer: RedisBuffer;
  /** What intake refuses besides the change formats' rules (from `transport`). */
  readonly intake: IntakeRules;
  /** The instance written to, when the options named one. */
  readonly instance: string | undefined;
  close(): Promise<void>;
}

/** Creates a producer. See {@link ProducerOptions}. */
export async function createProducer(options: ProducerOptions = {}): Promise<Producer> {
  const windowSec = options.idempotencyWindowSec ?? 86_400;
  if (!(windowSec >= 0.001) || !Number.isFinite(windowSec))
    throw new RangeError(
      `idempotencyWindowSec: must be a number of seconds of at least 0.001 (got ${windowSec})`,
    );
  const target = producerTarget(options);
  const owned = options.redis === undefined;
  const redis = options.redis ?? connectRedis(options, 'producer');
  if (owned) await waitReady(redis);
  const buffer = new RedisBuffer(redis, target.prefix, {
    idempotencyWindowMs: Math.round(windowSec * 1000),
  });
  const chunkSize = options.chunkSize ?? 100;
  const intake: IntakeRules = {
    ...(target.transport ? { transport: target.transport } : {}),
    ...(target.restForeignIdField ? { foreignIdField: target.restForeignIdField } : {}),
  };

  // Each chunk is validated and sent before the next is validated, without waiting for Redis: one
  // connection keeps them in order, and Redis merges a chunk while the next one is being checked.
  const write = async (
    inputs: readonly unknown[],
    validate: (inputs: readonly unknown[], at: (i: number) => number, rules: IntakeRules) => ValidatedChanges,
  ): Promise<EnqueueResult> => {
    const pending: Promise<EnqueueReply>[] = [];
    const chunks: ValidatedChanges['valid'][] = [];
    const rejected: InputProblem[] = [];
    for (let start = 0; start < inputs.length; start += chunkSize) {
      const validated = validate(inputs.slice(start, start + chunkSize), (i) => start + i, intake);
      for (const problem of validated.problems) rejected.push(problem);
      if (validated.valid.length === 0) continue;
      chunks.push(validated.valid.map((v) => ({ index: start + v.index, change: v.change })));
      pending.push(buffer.enqueue(validated.valid.map((v) => v.change)));
    }
    const settled = await Promise.allSettled(pending);
    const accepted: ChangeReference[] = [];
    const refused: number[] = [];
    const unknown: number[] = [];
    let failure: unknown;
    settled.forEach((result, c) => {
      const chunk = chunks[c]!;
      if (result.status === 'fulfilled') {
        result.value.forEach((ref, j) => accepted.push({ index: chunk[j]!.index, ...ref }));
        return;
      }
      failure ??= result.reason;
      const into = writeFailure(result.reason) === 'refused' ? refused : unknown;
      for (const v of chunk) into.push(v.index);
    });
    if (failure !== undefined) {
      throw new EnqueueError(
        `Redis failed part of the call (${(failure as Error).message}): ${accepted.length} accepted, ` +
          `${refused.length} refused (not written; enqueue them again), ${unknown.length} unknown ` +
          '(the connection failed before Redis answered, so they may have been written; resend them with ' +
          'the same idempotency keys); the error lists each',
        { accepted, refused, unknown, rejected },
        failure,
      );
    }
    return { accepted, rejected };
  };
  const list = <T>(changes: T | readonly T[]): readonly T[] =>
    Array.isArray(changes) ? changes : [changes as T];

  return {
    buffer,
    intake,
    instance: target.instance,
    enqueueLeads: (changes) => write(list(changes), validateLeads),
    enqueueMObjects: (changes) => write(list(changes), validateMObjects),
    enqueueMemberships: (changes) => write(list(changes), validateMemberships),
    enqueueActivities: (changes) => write(list(changes), validateActivities),
    enqueueChanges: (changes) => buffer.enqueue(changes),
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
