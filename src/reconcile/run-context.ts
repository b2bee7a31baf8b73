import type { Readable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Producer } from '../producer/producer.js';
import type { FingerprintStore } from './fingerprint-store.js';
import type { PendingOutcomes } from './pending-outcomes.js';
import type { ReconcileKeys } from './reconcile-keys.js';
import type { RunCheckpoint } from './run-checkpoint.js';
import type { RunData, RunProgress } from './run-types.js';
import type { SetMeta } from './set-meta.js';
import type { SourceLimits } from './source.js';

export type RedisLike = Redis | Cluster;

/** What a run needs besides its job. */
export interface RunDeps {
  redis: RedisLike;
  producer: Producer;
  prefix: string;
  log?: Logger;
  limits?: SourceLimits;
  /** How long a run waits for the outcomes of what it enqueued before it stops waiting (default 1 h). */
  confirmTimeoutMs?: number;
  /** Set lock lifetime, renewed while the run works (default 60 s). */
  lockMs?: number;
  /**
   * Rows per checkpoint (default 10000, or 50000 when the set is diffed in memory: re-reading unchanged
   * rows after a resume is cheap there); a chunk is also cut after a second of slow reading.
   */
  chunkRows?: number;
  /** How often outcomes are looked for (default 500 ms). */
  confirmPollMs?: number;
  /** Standard input, for `-` runs in the CLI's own process. */
  stdin?: Readable;
  /**
   * Most bytes a run holds a set's fingerprints in memory with (default {@link DEFAULT_MEMORY_LIMIT});
   * a larger set is diffed in Redis instead (slower, no memory).
   */
  memoryLimitBytes?: number;
}

/** Default of {@link RunDeps.memoryLimitBytes}: 256 MiB, about 10 million tracked records. */
export const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;

/** One run as the processor sees it: a BullMQ job, or an in-process run. */
export interface RunContext {
  id: string;
  data: RunData;
  progress(progress: RunProgress): Promise<void>;
  /** Aborted when this process stops: the run checkpoints and gives the job back. */
  signal?: AbortSignal;
}

/**
 * A run while it is processed: what every phase (reading, confirming, finishing) reads, and the two
 * things they change as they go (the set's metadata and its fingerprint store, made by the first
 * chunk of a set's first run).
 */
export interface ActiveRun {
  readonly ctx: RunContext;
  readonly deps: RunDeps;
  readonly data: RunData;
  readonly redis: RedisLike;
  readonly keys: ReconcileKeys;
  /** `keys.run(ctx.id)`: the checkpoint hash. */
  readonly runKey: string;
  readonly log: Logger;
  readonly lockMs: number;
  /** The typed view of the checkpoint, kept in step with the hash by the phases. */
  readonly checkpoint: RunCheckpoint;
  /** Whether this call resumed a run that had started before. */
  readonly resumed: boolean;
  /** Line numbers of the first refused rows (at most 50), for progress reports. */
  readonly refusedLines: number[];
  readonly pending: PendingOutcomes;
  meta: SetMeta;
  store: FingerprintStore | undefined;
  /** Throws when this process is stopping or the run was cancelled. */
  checkStop(): Promise<void>;
  /** Renews the set's lock, or throws when another run took the set. */
  renew(): Promise<void>;
  /** Reports progress in `phase`, with the outcome counts as the hash holds them. */
  report(phase: RunProgress['phase']): Promise<void>;
}
