import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { silentLogger, type Logger } from '../log.js';
import type { Producer } from '../producer/producer.js';
import { reconcileKeys } from './reconcile-keys.js';
import { RECONCILE_QUEUE, type RunJob } from './reconcile-queue.js';
import {
  processRun,
  RunCancelledError,
  RunInterruptedError,
  RunRefusedError,
  SetBusyError,
  type RunDeps,
} from './run-processor.js';
import { runDataSchema, type RunData, type RunSummary } from './run-types.js';
import { SourceError } from './source.js';

/** Options of {@link startReconcileWorker}. */
export interface ReconcileWorkerOptions extends Omit<RunDeps, 'stdin'> {
  /** Runs processed at once by this process (default 1). */
  concurrency?: number;
  /**
   * BullMQ's job lock: a worker that dies (even SIGKILL) loses its run after this long and another
   * worker resumes it from its last checkpoint (default 30 s).
   */
  jobLockMs?: number;
  /** A connection BullMQ may use for blocking reads (it duplicates it). */
  connection: Redis | Cluster;
  log?: Logger;
}

/** A running reconcile processor. */
export interface ReconcileWorker {
  /** Stops taking runs; a run in progress checkpoints and is handed back to the queue at once. */
  close(): Promise<void>;
  readonly worker: Worker<RunData, RunSummary, string>;
}

/** How long a run waits before retrying a set another run holds. */
const BUSY_DELAY_MS = 5_000;

/** Processes reconcile runs from the queue (`mktsync worker` starts it beside its batch loops). */
export async function startReconcileWorker(options: ReconcileWorkerOptions): Promise<ReconcileWorker> {
  const log = options.log ?? silentLogger;
  const stopping = new AbortController();
  const lockMs = options.jobLockMs ?? 30_000;
  const keys = reconcileKeys(options.prefix);
  const worker = new Worker<RunData, RunSummary, string>(
    RECONCILE_QUEUE,
    async (job: RunJob, token?: string) => {
      const parsed = runDataSchema.safeParse(job.data);
      if (!parsed.success)
        throw new UnrecoverableError(
          `invalid run: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      if (parsed.data.source === '-')
        throw new UnrecoverableError(
          'standard input can only be reconciled by the CLI process that reads it',
        );
      try {
        return await processRun(
          {
            id: job.id!,
            data: parsed.data,
            progress: (p) => job.updateProgress(p as unknown as object),
            signal: stopping.signal,
          },
          { ...options, lockMs: options.lockMs ?? Math.max(lockMs * 2, 10_000), log },
        );
      } catch (error) {
        if (error instanceof SetBusyError || error instanceof RunInterruptedError) {
          // Not a failure: no attempt is spent. A stopping worker hands its run back at once.
          log.info('reconcile run handed back', { run: job.id, reason: error.message });
          await job.moveToDelayed(Date.now() + (error instanceof SetBusyError ? BUSY_DELAY_MS : 0), token);
          throw new DelayedError();
        }
        if (
          error instanceof RunCancelledError ||
          error instanceof RunRefusedError ||
          (error instanceof SourceError && error.permanent)
        ) {
          await options.redis.del(keys.cancel(job.id!));
          throw new UnrecoverableError(error.message);
        }
        log.warn('reconcile run failed; it resumes from its checkpoint on retry', {
          run: job.id,
          error: (error as Error).message,
        });
        throw error;
      }
    },
    {
      connection: options.connection,
      prefix: keys.base,
      concurrency: options.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 5,
    },
  );
  worker.on('error', (error) => log.warn('reconcile queue error', { error: error.message }));
  await worker.waitUntilReady();
  log.info('reconcile processor started', { concurrency: options.concurrency ?? 1 });
  return {
    worker,
    async close() {
      stopping.abort();
      await worker.close();
    },
  };
}

export type { Producer };
