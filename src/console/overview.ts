import { INTAKE_GROUPS, type BatchGroup } from '../vocabulary/batch-groups.js';
import { OUTCOME_STATUSES } from '../vocabulary/outcome-statuses.js';
import { quotaDay } from '../model/quota-day.js';
import { consoleKeys } from './console-keys.js';
import type { ConsoleInstance } from './instance.js';

/** One batch group's waiting records. */
export interface GroupState {
  group: string;
  waiting: number;
  /** Epoch ms the oldest waiting record became eligible, or null. */
  oldestAt: number | null;
}

/** Outcomes of one chart bin, by status. */
export interface ChartBin {
  /** Epoch ms of the bin's start. */
  at: number;
  counts: Record<string, number>;
}

/** What the overview page shows. */
export interface Overview {
  now: number;
  groups: GroupState[];
  recordsInFlight: number;
  callsInFlight: number;
  deadLetters: number;
  pausedUntil: number | null;
  /** The pause looks like the daily-quota parking (over an hour), not a throttle pause. */
  parked: boolean;
  /** Why sending is stopped (authentication failing), or null. */
  stopped: string | null;
  callsInRateWindow: number;
  callsToday: number;
  lastSuccessAt: number | null;
  chart: ChartBin[];
  totals: Record<string, number>;
}

/**
 * Reads the overview: the buffer's state through its read-only view (the one reader of its keys), and
 * the chart's per-minute counters (kept by the settle script, so no Prometheus is needed): `hours`
 * back, in bins of `binMinutes`. The reads go out together.
 */
export async function readOverview(
  instance: ConsoleInstance,
  options: { hours?: number; binMinutes?: number } = {},
  now = Date.now(),
): Promise<Overview> {
  const { buffer } = instance;
  const cx = consoleKeys(buffer.keys.base);
  const hours = options.hours ?? 6;
  const binMinutes = options.binMinutes ?? 10;
  const nowMinute = Math.floor(now / 60_000);
  const minutes = hours * 60;
  const p = buffer.redis.pipeline();
  for (let m = nowMinute - minutes + 1; m <= nowMinute; m++) p.hgetall(cx.minute(m));
  const [stats, calls, callsInRateWindow, replies] = await Promise.all([
    buffer.view.stats(now),
    buffer.view.callStats(quotaDay(now)),
    buffer.view.callsInWindow(instance.rateWindowMs, now),
    p.exec(),
  ]);
  const r = (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const groups: GroupState[] = (Object.keys(stats.waiting) as BatchGroup[])
    .map((group) => ({
      group,
      waiting: stats.waiting[group] ?? 0,
      oldestAt: stats.oldestByGroup[group] ?? null,
    }))
    // The fixed groups intake can write, and any other (a list's, a program's, an older release's) only
    // while it holds records.
    .filter((g) => g.waiting > 0 || (INTAKE_GROUPS as readonly string[]).includes(g.group));
  const bins = new Map<number, ChartBin>();
  const totals: Record<string, number> = {};
  const firstBin = Math.floor((nowMinute - minutes + 1) / binMinutes) * binMinutes;
  for (let m = firstBin; m <= nowMinute; m += binMinutes) bins.set(m, { at: m * 60_000, counts: {} });
  for (let i = 0; i < minutes; i++) {
    const minute = nowMinute - minutes + 1 + i;
    const bin = bins.get(Math.floor(minute / binMinutes) * binMinutes)!;
    for (const [status, count] of Object.entries((r[i] as Record<string, string>) ?? {})) {
      bin.counts[status] = (bin.counts[status] ?? 0) + Number(count);
      totals[status] = (totals[status] ?? 0) + Number(count);
    }
  }
  const { pausedUntil } = stats;
  return {
    now,
    groups,
    recordsInFlight: stats.inFlight,
    callsInFlight: stats.activeCalls,
    deadLetters: stats.deadLetters,
    pausedUntil,
    parked: pausedUntil !== null && pausedUntil - now > 3_600_000,
    stopped: stats.stopped,
    callsInRateWindow,
    callsToday: calls.callsToday,
    lastSuccessAt: calls.lastSuccessAt,
    chart: [...bins.values()],
    totals,
  };
}

/** The statuses in the chart's order (successes first). */
export const CHART_STATUSES = OUTCOME_STATUSES;
