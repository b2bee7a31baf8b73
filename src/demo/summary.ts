import type { Outcome } from '../buffer/types.js';
import { parseGroupName, parseLegacyGroupName } from '../vocabulary/batch-groups.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';

/** The percentile `p` (0–100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * The largest call of a batch group (a buffer group name) over `transport`: 300 leads; SOAP 100 objects;
 * REST 300 opportunities or roles and one program.
 */
export function largestCall(group: string, transport: TransportKind): number {
  const parsed = parseGroupName(group) ?? parseLegacyGroupName(group);
  if (parsed === undefined || parsed.kind === 'lead') return 300;
  switch (transport) {
    case 'soap':
      return 100;
    case 'rest':
      return 'type' in parsed && parsed.type === 'Program' ? 1 : 300;
  }
}

/** Calls made for one batch group, beside the fewest that could have carried its records. */
export interface GroupCalls {
  calls: number;
  minimum: number;
}

/** What a run did, as the demo and the benchmarks report it. */
export interface RunSummary {
  /** The transport the calls went over. */
  transport: TransportKind;
  changesAccepted: number;
  changesRejected: number;
  recordsSent: number;
  calls: number;
  minimumCalls: number;
  /** Per batch group: its calls and its minimum (distinct records over the largest call, rounded up). */
  byGroup: Record<string, GroupCalls>;
  /** REST: token requests to Marketo's Identity service, over every worker. */
  tokenRequests?: number;
  coalescingRatio: number;
  outcomes: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
  seconds: number;
}

export function summarize(
  outcomes: readonly Outcome[],
  counts: {
    accepted: number;
    rejected: number;
    calls: number;
    distinctByGroup: Record<string, number>;
    transport?: TransportKind;
    callsByGroup?: Record<string, number>;
    tokenRequests?: number;
  },
  seconds: number,
): RunSummary {
  const transport = counts.transport ?? 'soap';
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const byGroup: Record<string, GroupCalls> = {};
  for (const group of new Set([
    ...Object.keys(counts.distinctByGroup),
    ...Object.keys(counts.callsByGroup ?? {}),
  ]).values())
    byGroup[group] = {
      calls: counts.callsByGroup?.[group] ?? 0,
      minimum: Math.ceil((counts.distinctByGroup[group] ?? 0) / largestCall(group, transport)),
    };
  const minimumCalls = Object.values(byGroup).reduce((sum, g) => sum + g.minimum, 0);
  return {
    transport,
    changesAccepted: counts.accepted,
    changesRejected: counts.rejected,
    recordsSent: outcomes.length,
    calls: counts.calls,
    minimumCalls,
    byGroup,
    ...(counts.tokenRequests !== undefined ? { tokenRequests: counts.tokenRequests } : {}),
    coalescingRatio: outcomes.length === 0 ? 0 : counts.accepted / outcomes.length,
    outcomes: byStatus,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
    seconds,
  };
}
