import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { safeUrl } from '../safe-url.js';
import type { RunData, RunProgress, RunSummary } from './run-types.js';
import { listSchedules, type ScheduleInfo } from './schedules.js';

type RedisLike = Redis | Cluster;

/** A run as `mktsync reconcile list` and the queue view show it. */
export interface RunInfo {
  run: string;
  state: string;
  set: string;
  kind: RunData['kind'];
  source: string;
  full: boolean;
  schedule: string | null;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  progress: RunProgress | null;
  summary: RunSummary | null;
  failedReason: string | null;
}

const STATES = [
  'active',
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

/** The most recent runs (newest first), whatever their state. */
export async function listRuns(queue: Queue<RunData, RunSummary, string>, limit = 20): Promise<RunInfo[]> {
  const jobs = await queue.getJobs([...STATES], 0, limit - 1, false);
  const runs = await Promise.all(
    jobs
      .filter((j) => j?.id !== undefined)
      .map(async (job): Promise<RunInfo> => {
        const progress = job.progress;
        return {
          run: job.id!,
          state: await job.getState(),
          set: job.data.set,
          kind: job.data.kind,
          source: job.data.source,
          full: job.data.full,
          schedule: job.data.schedule ?? null,
          attempts: job.attemptsMade,
          createdAt: new Date(job.timestamp).toISOString(),
          finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
          progress:
            typeof progress === 'object' && progress !== null ? (progress as unknown as RunProgress) : null,
          summary: job.returnvalue ?? null,
          failedReason: job.failedReason ?? null,
        };
      }),
  );
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}

/** A source as a page may show it: a URL without the userinfo or query where credentials travel. */
function shownSource(source: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? safeUrl(source) : source;
}

/** Schedules and recent runs together, for the worker's queue view (sources shown without secrets). */
export async function reconcileOverview(
  queue: Queue<RunData, RunSummary, string>,
  redis: RedisLike,
  prefix: string,
  limit = 20,
): Promise<{ schedules: ScheduleInfo[]; runs: RunInfo[] }> {
  const [schedules, runs] = await Promise.all([listSchedules(queue, redis, prefix), listRuns(queue, limit)]);
  return {
    schedules: schedules.map((s) => ({ ...s, source: shownSource(s.source) })),
    runs: runs.map((r) => ({ ...r, source: shownSource(r.source) })),
  };
}
