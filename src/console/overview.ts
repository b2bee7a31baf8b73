import { BATCH_GROUPS, LEGACY_GROUPS } from '../vocabulary/batch-groups.js';
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
 * Reads the overview in one pipeline plus the chart's per-minute counters (kept by the settle script,
 * so no Prometheus is needed): `hours` back, in bins of `binMinutes`.
 */
export async function readOverview(
  instance: ConsoleInstance,
  options: { hours?: number; binMinutes?: number } = {},
  now = Date.now(),
): Promise<Overview> {
  const { buffer } = instance;
  const keys = buffer.keys;
  const cx = consoleKeys(keys.base);
  const hours = options.hours ?? 6;
  const binMinutes = options.binMinutes ?? 10;
  const nowMinute = Math.floor(now / 60_000);
  const minutes = hours * 60;
  const p = buffer.redis.pipeline();
  for (const g of BATCH_GROUPS) p.zcard(keys.dirty(g));
  for (const g of BATCH_GROUPS) p.zrange(keys.dirty(g), 0, 0, 'WITHSCORES');
  p.hlen(keys.inflight);
  p.zcount(keys.leases, `(${now}`, '+inf');
  p.zcard(keys.dlqIndex);
  p.get(keys.pause);
  p.get(keys.stop);
  p.zcount(keys.rate, now - instance.rateWindowMs, '+inf');
  p.mget(keys.callsOn(quotaDay(now)), keys.lastSuccess);
  for (let m = nowMinute - minutes + 1; m <= nowMinute; m++) p.hgetall(cx.minute(m));
  const r = ((await p.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const n = BATCH_GROUPS.length;
  const groups: GroupState[] = BATCH_GROUPS.map((group, i) => {
    const first = r[n + i] as string[];
    return { group, waiting: r[i] as number, oldestAt: first[1] === undefined ? null : Number(first[1]) };
  }).filter((g) => g.waiting > 0 || !(LEGACY_GROUPS as readonly string[]).includes(g.group));
  let at = 2 * n;
  const recordsInFlight = r[at++] as number;
  const callsInFlight = r[at++] as number;
  const deadLetters = r[at++] as number;
  const pause = r[at++] as string | null;
  const stopped = r[at++] as string | null;
  const callsInRateWindow = r[at++] as number;
  const [calls, last] = r[at++] as (string | null)[];
  const bins = new Map<number, ChartBin>();
  const totals: Record<string, number> = {};
  const firstBin = Math.floor((nowMinute - minutes + 1) / binMinutes) * binMinutes;
  for (let m = firstBin; m <= nowMinute; m += binMinutes) bins.set(m, { at: m * 60_000, counts: {} });
  for (let i = 0; i < minutes; i++) {
    const minute = nowMinute - minutes + 1 + i;
    const bin = bins.get(Math.floor(minute / binMinutes) * binMinutes)!;
    for (const [status, count] of Object.entries((r[at + i] as Record<string, string>) ?? {})) {
      bin.counts[status] = (bin.counts[status] ?? 0) + Number(count);
      totals[status] = (totals[status] ?? 0) + Number(count);
    }
  }
  const pausedUntil = pause !== null && Number(pause) > now ? Number(pause) : null;
  return {
    now,
    groups,
    recordsInFlight,
    callsInFlight,
    deadLetters,
    pausedUntil,
    parked: pausedUntil !== null && pausedUntil - now > 3_600_000,
    stopped,
    callsInRateWindow,
    callsToday: Number(calls ?? 0),
    lastSuccessAt: last === null || last === undefined ? null : Number(last),
    chart: [...bins.values()],
    totals,
  };
}

/** The statuses in the chart's order (successes first). */
export const CHART_STATUSES = OUTCOME_STATUSES;
