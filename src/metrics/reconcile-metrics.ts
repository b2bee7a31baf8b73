import { Gauge, type Registry } from 'prom-client';

/** The counts of a run the metrics show, by result. */
export const LAST_RUN_RESULTS = [
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

/**
 * What the reconciliation metrics show, as `reconcile/reconcile-status.ts` reads it from Redis at
 * scrape time. The metrics define the shape and the reconcile side fills it, so that the metrics need
 * nothing of how reconciliation stores its state.
 */
export interface ReconcileStatus {
  sets: readonly {
    name: string;
    /** Records whose fingerprint the set holds. */
    tracked: number;
    /** Epoch ms of the last completed run, or null. */
    lastSuccessAt: number | null;
    lastDurationMs: number | null;
    /** Rows by result over every completed run. */
    rows: Readonly<Record<string, number>>;
  }[];
  /** The counts of the last completed run of each set, by result (`read`, `changed`, …). */
  lastRuns: readonly { set: string; counts: Readonly<Record<(typeof LAST_RUN_RESULTS)[number], number>> }[];
  schedules: readonly { name: string; set: string; intervalMs: number; createdAt: number }[];
}

/** Reads the {@link ReconcileStatus}; called at most once at a time, at scrape. */
export type ReconcileStatusReader = () => Promise<ReconcileStatus>;

const TOTAL_RESULTS = ['unchanged', 'changed', 'new', 'refused', 'failed'] as const;

/**
 * Reconciliation metrics, all shared (read from Redis at scrape time, the same from every worker:
 * aggregate with max()). Labels are set and schedule names, which operators choose and are few.
 */
export function registerReconcileMetrics(registry: Registry, read: ReconcileStatusReader): void {
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
    const { sets, schedules, lastRuns } = await read();
    for (const g of all) g.reset();
    for (const s of sets) {
      tracked.set({ set: s.name }, s.tracked);
      if (s.lastSuccessAt !== null) lastSuccess.set({ set: s.name }, s.lastSuccessAt / 1000);
      if (s.lastDurationMs !== null) duration.set({ set: s.name }, s.lastDurationMs / 1000);
      for (const result of TOTAL_RESULTS) rows.set({ set: s.name, result }, s.rows[result] ?? 0);
    }
    for (const { set, counts } of lastRuns)
      for (const result of LAST_RUN_RESULTS) lastRows.set({ set, result }, counts[result]);
    const bySet = new Map(sets.map((s) => [s.name, s]));
    for (const schedule of schedules) {
      const labels = { schedule: schedule.name, set: schedule.set };
      interval.set(labels, schedule.intervalMs / 1000);
      const last = bySet.get(schedule.set)?.lastSuccessAt ?? 0;
      scheduleSuccess.set(labels, Math.max(last, schedule.createdAt) / 1000);
    }
  }
}
