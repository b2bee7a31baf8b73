import type { Outcome } from '../buffer/types.js';

/** The percentile `p` (0–100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** What a run did, as the demo and the benchmarks report it. */
export interface RunSummary {
  changesAccepted: number;
  changesRejected: number;
  recordsSent: number;
  calls: number;
  minimumCalls: number;
  coalescingRatio: number;
  outcomes: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
  seconds: number;
}

export function summarize(
  outcomes: readonly Outcome[],
  counts: { accepted: number; rejected: number; calls: number; distinctByGroup: Record<string, number> },
  seconds: number,
): RunSummary {
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const minimumCalls = Object.entries(counts.distinctByGroup).reduce(
    (sum, [group, n]) => sum + Math.ceil(n / (group.startsWith('L') ? 300 : 100)),
    0,
  );
  return {
    changesAccepted: counts.accepted,
    changesRejected: counts.rejected,
    recordsSent: outcomes.length,
    calls: counts.calls,
    minimumCalls,
    coalescingRatio: outcomes.length === 0 ? 0 : counts.accepted / outcomes.length,
    outcomes: byStatus,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
    seconds,
  };
}
