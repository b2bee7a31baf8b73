import type { Cluster, Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { reconcileKeys } from '../reconcile/reconcile-keys.js';
import type { RunSummary } from '../reconcile/run-types.js';
import { listSchedules } from '../reconcile/schedules.js';
import { readAllSets } from '../reconcile/set-meta.js';

type RedisLike = Redis | Cluster;

const LAST_RUN_RESULTS = [
  'read',
  'unchanged',
  'changed',
  'new',
  'refused',
  'enqueued',
  'confirmed',
  'failed',
  'unconfirmed',
  'absent',
] as const;
const TOTAL_RESULTS = ['unchanged', 'changed', 'new', 'refused', 'failed'] as const;

/**
 * Reconciliation metrics, all shared (read from Redis at scrape time, the same from every worker:
 * aggregate with max()). Labels are set and schedule names, which operators choose and are few.
 */
export function registerReconcileMetrics(registry: Registry, redis: RedisLike, prefix: string): void {
  const keys = reconcileKeys(prefix);
  const gauge = (name: string, help: string, labelNames: string[]): Gauge =>
    new Gauge({ name, help, labelNames, registers: [registry], collect });
  let refreshing: Promise<void> | undefined;
  async function collect(): Promise<void> {
    refreshing ??= refresh().finally(() => (refreshing = undefined));
    await refreshing;
  }
  const lastSuccess = gauge(
    'mktsync_reconcile_last_success_timestamp_seconds',
    'When the last run of a reconcile set completed (shared).',
    ['set'],
  );
  const duration = gauge(
    'mktsync_reconcile_last_run_duration_seconds',
    'Duration of the last completed run of a reconcile set, resumptions included (shared).',
    ['set'],
  );
  const lastRows = gauge(
    'mktsync_reconcile_last_run_rows',
    'Rows and records of the last completed run of a set, by result (shared).',
    ['set', 'result'],
  );
  const rows = gauge(
    'mktsync_reconcile_rows',
    'Rows by result over every completed run of a set (shared; a total, use increase()).',
    ['set', 'result'],
  );
  const tracked = gauge(
    'mktsync_reconcile_tracked_records',
    'Records whose fingerprint a reconcile set holds (shared).',
    ['set'],
  );
  const interval = gauge(
    'mktsync_reconcile_schedule_interval_seconds',
    'Longest gap between two firings of a reconcile schedule (shared).',
    ['schedule', 'set'],
  );
  const scheduleSuccess = gauge(
    'mktsync_reconcile_schedule_last_success_timestamp_seconds',
    "When a schedule's set last completed a run, or when the schedule was made if later (shared).",
    ['schedule', 'set'],
  );
  const all = [lastSuccess, duration, lastRows, rows, tracked, interval, scheduleSuccess];

  async function refresh(): Promise<void> {
    const [sets, schedules, summaries] = await Promise.all([
      readAllSets(redis, keys),
      listSchedules(null, redis, prefix),
      redis
        .smembers(keys.sets)
        .then((names) =>
          Promise.all(names.map(async (n) => [n, await redis.hget(keys.set(n), 'lastSummary')] as const)),
        ),
    ]);
    for (const g of all) g.reset();
    for (const s of sets) {
      tracked.set({ set: s.name }, s.tracked);
      if (s.lastSuccessAt !== null) lastSuccess.set({ set: s.name }, s.lastSuccessAt / 1000);
      if (s.lastDurationMs !== null) duration.set({ set: s.name }, s.lastDurationMs / 1000);
      for (const result of TOTAL_RESULTS) rows.set({ set: s.name, result }, s.rows[result] ?? 0);
    }
    for (const [set, raw] of summaries) {
      if (!raw) continue;
      const summary = JSON.parse(raw) as RunSummary;
      for (const result of LAST_RUN_RESULTS) lastRows.set({ set, result }, summary[result]);
    }
    const bySet = new Map(sets.map((s) => [s.name, s]));
    for (const schedule of schedules) {
      const labels = { schedule: schedule.name, set: schedule.set };
      interval.set(labels, schedule.intervalMs / 1000);
      const last = bySet.get(schedule.set)?.lastSuccessAt ?? 0;
      scheduleSuccess.set(labels, Math.max(last, schedule.createdAt) / 1000);
    }
  }
}
