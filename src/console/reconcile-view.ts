import type { Queue } from 'bullmq';
import { cancelRun, reconcileQueue, submitRun, type CancelResult } from '../reconcile/reconcile-queue.js';
import { listRuns, type RunInfo } from '../reconcile/run-list.js';
import type { RunData, RunSummary } from '../reconcile/run-types.js';
import { listSchedules, type ScheduleInfo } from '../reconcile/schedules.js';
import type { ConsoleInstance } from './instance.js';

// One BullMQ queue handle per connection: creating one per request would leak listeners.
const queues = new WeakMap<object, Queue<RunData, RunSummary, string>>();

function prefixOf(instance: ConsoleInstance): string {
  return instance.buffer.keys.base.slice(1, -1);
}

/** The reconcile queue of an instance (BullMQ does not close the shared connection). */
export function runQueue(instance: ConsoleInstance): Queue<RunData, RunSummary, string> {
  let queue = queues.get(instance.buffer.redis);
  if (!queue) {
    queue = reconcileQueue(instance.buffer.redis, prefixOf(instance));
    queues.set(instance.buffer.redis, queue);
  }
  return queue;
}

/** Recent runs and the schedules with their next firing. */
export async function readRuns(
  instance: ConsoleInstance,
  limit = 30,
): Promise<{ runs: RunInfo[]; schedules: ScheduleInfo[] }> {
  const queue = runQueue(instance);
  const [runs, schedules] = await Promise.all([
    listRuns(queue, limit),
    listSchedules(queue, instance.buffer.redis, prefixOf(instance)),
  ]);
  return { runs, schedules };
}

/** One run, or null when BullMQ no longer keeps it. */
export async function readRun(instance: ConsoleInstance, id: string): Promise<RunInfo | null> {
  const runs = await listRuns(runQueue(instance), 500);
  return runs.find((r) => r.run === id) ?? null;
}

/** Starts a schedule's run now; returns the run id, or null for an unknown schedule. */
export async function runScheduleNow(instance: ConsoleInstance, name: string): Promise<string | null> {
  const schedules = await listSchedules(runQueue(instance), instance.buffer.redis, prefixOf(instance));
  const s = schedules.find((x) => x.name === name);
  if (!s) return null;
  return submitRun(runQueue(instance), {
    kind: s.kind,
    source: s.source,
    set: s.set,
    full: s.full,
    schedule: s.name,
  });
}

/** Cancels a run (see {@link cancelRun}). */
export async function cancelRunNow(instance: ConsoleInstance, id: string): Promise<CancelResult> {
  return cancelRun(runQueue(instance), instance.buffer.redis, prefixOf(instance), id);
}
