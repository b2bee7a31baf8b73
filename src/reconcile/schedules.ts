import { defaultRepeatStrategy, type Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { reconcileKeys, SET_NAME } from './reconcile-keys.js';
import { RUN_JOB_OPTIONS } from './reconcile-queue.js';
import { runDataSchema, type RunData, type RunRequest, type RunSummary } from './run-types.js';

type RedisLike = Redis | Cluster;

/** When a schedule fires: a cron pattern (with an optional time zone) or a fixed interval. */
export type ScheduleTiming = { cron: string; tz?: string } | { everyMs: number };

/** A schedule as `mktsync reconcile list` and the metrics see it. */
export interface ScheduleInfo {
  name: string;
  set: string;
  kind: RunData['kind'];
  source: string;
  full: boolean;
  cron: string | null;
  tz: string | null;
  everyMs: number | null;
  /** The longest gap between two firings (over the next eight): twice this without a completed run alerts. */
  intervalMs: number;
  /** Epoch ms of the next firing, when BullMQ knows it. */
  next: number | null;
  createdAt: number;
}

/**
 * The longest of the next eight gaps between firings of a timing; throws with the pattern named when
 * the cron pattern is invalid.
 */
export function scheduleInterval(timing: ScheduleTiming, now = Date.now()): number {
  if ('everyMs' in timing) return timing.everyMs;
  let at: number | undefined;
  try {
    at = defaultRepeatStrategy(now, { pattern: timing.cron, ...(timing.tz ? { tz: timing.tz } : {}) });
  } catch (error) {
    throw new TypeError(`--cron ${JSON.stringify(timing.cron)}: ${(error as Error).message}`);
  }
  if (at === undefined) throw new TypeError(`--cron ${JSON.stringify(timing.cron)}: never fires`);
  let longest = 0;
  for (let i = 0; i < 8; i++) {
    const next = defaultRepeatStrategy(at + 1, {
      pattern: timing.cron,
      ...(timing.tz ? { tz: timing.tz } : {}),
    });
    if (next === undefined) break;
    longest = Math.max(longest, next - at);
    at = next;
  }
  return longest;
}

/** Creates or replaces schedule `name` (a BullMQ job scheduler) that submits runs of `request`. */
export async function upsertSchedule(
  queue: Queue<RunData, RunSummary, string>,
  redis: RedisLike,
  prefix: string,
  name: string,
  timing: ScheduleTiming,
  request: RunRequest,
): Promise<ScheduleInfo> {
  if (!SET_NAME.test(name)) throw new TypeError('schedule names are 1–64 letters, digits, ".", "_" or "-"');
  const data = runDataSchema.parse({ ...request, schedule: name });
  const intervalMs = scheduleInterval(timing);
  await queue.upsertJobScheduler(
    name,
    'everyMs' in timing
      ? { every: timing.everyMs }
      : { pattern: timing.cron, ...(timing.tz ? { tz: timing.tz } : {}) },
    { name: 'run', data, opts: RUN_JOB_OPTIONS },
  );
  const info: ScheduleInfo = {
    name,
    set: data.set,
    kind: data.kind,
    source: data.source,
    full: data.full,
    cron: 'cron' in timing ? timing.cron : null,
    tz: 'cron' in timing ? (timing.tz ?? null) : null,
    everyMs: 'everyMs' in timing ? timing.everyMs : null,
    intervalMs,
    next: null,
    createdAt: Date.now(),
  };
  await redis.hset(reconcileKeys(prefix).schedules, name, JSON.stringify(info));
  return info;
}

/** Removes a schedule; false when there was none. Runs it already submitted are not touched. */
export async function removeSchedule(
  queue: Queue<RunData, RunSummary, string>,
  redis: RedisLike,
  prefix: string,
  name: string,
): Promise<boolean> {
  const removed = await queue.removeJobScheduler(name);
  const forgotten = await redis.hdel(reconcileKeys(prefix).schedules, name);
  return removed || forgotten > 0;
}

/** Every schedule, with its next firing from BullMQ. */
export async function listSchedules(
  queue: Queue<RunData, RunSummary, string> | null,
  redis: RedisLike,
  prefix: string,
): Promise<ScheduleInfo[]> {
  const stored = await redis.hgetall(reconcileKeys(prefix).schedules);
  const next = new Map<string, number>();
  if (queue)
    for (const s of await queue.getJobSchedulers()) if (s.next !== undefined) next.set(s.key, s.next);
  return Object.values(stored)
    .map((raw) => JSON.parse(raw) as ScheduleInfo)
    .map((s) => ({ ...s, next: next.get(s.name) ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
