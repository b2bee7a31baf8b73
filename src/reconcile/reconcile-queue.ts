import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { reconcileKeys } from './reconcile-keys.js';
import { runDataSchema, type RunData, type RunRequest, type RunSummary } from './run-types.js';

type RedisLike = Redis | Cluster;

/** The BullMQ queue of reconcile runs; its prefix is the deployment's `{prefix}`, so under Redis
 * Cluster every BullMQ key shares the buffer's slot (BullMQ's scripts need one slot per queue). */
export const RECONCILE_QUEUE = 'reconcile';

/** How a run job is retried: a failure (source unreachable, Redis down) resumes from the checkpoint. */
export const RUN_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 30_000 },
  removeOnComplete: { count: 500 },
  removeOnFail: { count: 500 },
};

export type RunJob = Job<RunData, RunSummary, string>;

/** The reconcile queue on an existing connection (BullMQ does not close it). */
export function reconcileQueue(redis: RedisLike, prefix: string): Queue<RunData, RunSummary, string> {
  return new Queue<RunData, RunSummary, string>(RECONCILE_QUEUE, {
    connection: redis,
    prefix: reconcileKeys(prefix).base,
  });
}

/** Submits a run; returns its id (the BullMQ job id). */
export async function submitRun(
  queue: Queue<RunData, RunSummary, string>,
  request: RunRequest,
): Promise<string> {
  const data = runDataSchema.parse(request);
  const job = await queue.add('run', data, RUN_JOB_OPTIONS);
  return job.id!;
}

/** What {@link cancelRun} did. */
export type CancelResult = 'removed' | 'cancelling' | 'finished' | 'unknown';

/**
 * Cancels a run: a waiting or delayed one is removed; an active one is asked to stop (it stops at its
 * next chunk). Records it already put into the buffer are sent anyway: they were accepted.
 */
export async function cancelRun(
  queue: Queue<RunData, RunSummary, string>,
  redis: RedisLike,
  prefix: string,
  id: string,
): Promise<CancelResult> {
  const job = await queue.getJob(id);
  if (!job) return 'unknown';
  const state = await job.getState();
  if (state === 'completed' || state === 'failed') return 'finished';
  if (state === 'active') {
    await redis.set(reconcileKeys(prefix).cancel(id), '1', 'EX', 86_400);
    return 'cancelling';
  }
  try {
    await job.remove();
    return 'removed';
  } catch {
    // It became active between the two reads.
    await redis.set(reconcileKeys(prefix).cancel(id), '1', 'EX', 86_400);
    return 'cancelling';
  }
}
