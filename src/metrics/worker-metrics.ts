import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';
import { createFieldFaultCounter } from './field-fault-metric.js';
import { registerReconcileMetrics, type ReconcileStatusReader } from './reconcile-metrics.js';
import type { RedisBuffer, SettleAction } from '../buffer/buffer.js';
import type { ClaimedBatch } from '../buffer/types.js';
import { quotaDay } from '../model/quota-day.js';
import type { BatchReport } from '../model/reports.js';
import type { CallAttempt } from '../transport/attempt.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { OUTCOME_STATUSES } from '../vocabulary/outcome-statuses.js';
import { CONFIG_SETTINGS } from '../transport/failure-kinds.js';
import { parseGroupName, parseLegacyGroupName } from '../vocabulary/batch-groups.js';

/**
 * The worker's Prometheus metrics, on a registry of its own. Counters and histograms count what this
 * process did; gauges marked "shared" read the buffer's state in Redis when scraped, so every worker
 * reports the same value: aggregate them with max(), not sum(). Every series carries the worker's
 * `transport` label (`soap` or `rest`).
 */
export interface WorkerMetrics {
  readonly registry: Registry;
  /** Counts one HTTP attempt of a call, whatever the transport (as `Transport.reportAttempts` gives it). */
  onCall(attempt: CallAttempt): void;
  onBatch(batch: ClaimedBatch, report: BatchReport, actions: readonly SettleAction[]): void;
  /**
   * Reports the token requests of a REST transport: `read` is called at each scrape and returns the
   * running totals (a `RestTransport`'s `tokenStats` fits). Call it once; SOAP has no tokens.
   */
  trackTokens(read: () => Readonly<TokenCounts>): void;
}

/** Running totals of a REST transport's requests to the Identity service. */
export interface TokenCounts {
  /** Token requests made. */
  requests: number;
  /** Renewals forced by a refused token (601/602) or a token issued already expired. */
  forcedRenewals: number;
}

/** Options of {@link createWorkerMetrics}. */
export interface WorkerMetricsOptions {
  /** The transport the worker sends with: the `transport` label of every series. */
  transport: TransportKind;
  /**
   * Reads the reconciliation state for the shared `mktsync_reconcile_*` gauges (the worker passes
   * `readReconcileStatus`); without it they are registered and stay empty.
   */
  reconcileStatus?: ReconcileStatusReader;
  /**
   * The Marketo instance the worker serves: the `marketo_instance` label of every series (not
   * `instance`, which Prometheus gives the scraped target and would rename to `exported_instance`).
   */
  instance?: string;
  /** Register the process metrics (CPU, memory, …) here (default true); off for the second and later instances of one process. */
  processMetrics?: boolean;
}

const NO_RECONCILE: ReconcileStatusReader = () => Promise.resolve({ sets: [], lastRuns: [], schedules: [] });

/** The worker's metrics for `buffer`, every series labelled with `options.transport`. */
export function createWorkerMetrics(
  buffer: RedisBuffer,
  dailyQuota: number,
  options: WorkerMetricsOptions,
): WorkerMetrics {
  const registry = new Registry();
  // Given once here, so no series can miss it and dashboards can filter every panel by transport.
  registry.setDefaultLabels({
    transport: options.transport,
    ...(options.instance !== undefined ? { marketo_instance: options.instance } : {}),
  });
  if (options.processMetrics !== false) registerProcessMetrics(registry);
  registerReconcileMetrics(registry, options.reconcileStatus ?? NO_RECONCILE);
  const calls = new Counter({
    name: 'mktsync_calls_total',
    help: 'Calls to Marketo (HTTP attempts) by operation and result (success, fault, error).',
    labelNames: ['operation', 'result'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mktsync_call_duration_seconds',
    help: 'Duration of one call to Marketo (HTTP attempt), by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const batchRecords = new Histogram({
    name: 'mktsync_batch_records',
    help: 'Records carried by one call to Marketo, by operation.',
    labelNames: ['operation'] as const,
    buckets: [1, 10, 50, 100, 150, 200, 250, 299, 300],
    registers: [registry],
  });
  const faults = new Counter({
    name: 'mktsync_call_faults_total',
    help: 'Failed calls by Marketo code ("none" for network and format errors) and category.',
    labelNames: ['code', 'category'] as const,
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'mktsync_outcomes_total',
    help: 'Records settled with a final outcome, by status.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  for (const status of OUTCOME_STATUSES) outcomes.inc({ status }, 0);
  const latency = new Histogram({
    name: 'mktsync_outcome_latency_seconds',
    help: 'Time from the first accepted change of a record to its outcome.',
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'mktsync_retries_total',
    help: 'Records put back for another attempt, by failure category.',
    labelNames: ['category'] as const,
    registers: [registry],
  });
  const throttlePauses = new Counter({
    name: 'mktsync_throttle_pauses_total',
    help: 'Times Marketo throttled (SOAP 20023/20024, REST 606/615) and every worker paused.',
    registers: [registry],
  });
  new Gauge({
    name: 'mktsync_quota_calls_limit',
    help: 'The daily call quota of the Marketo instance (MKTSYNC_DAILY_QUOTA).',
    registers: [registry],
  }).set(dailyQuota);
  const authFailures = new Counter({
    name: 'mktsync_auth_failures_total',
    help: 'Calls refused for authentication (SOAP 20013/20014, REST 603, HTTP 401/403).',
    registers: [registry],
  });
  const configFaults = new Counter({
    name: 'mktsync_config_faults_total',
    help: 'Calls that found a setting wrong (endpoint or Identity URL answering 404, REST 610, a redirect), by the setting named; sending stops until it is right.',
    labelNames: ['setting'] as const,
    registers: [registry],
  });
  // Every setting from the start, so that the alert's series exist before the first fault.
  for (const setting of CONFIG_SETTINGS) configFaults.inc({ setting }, 0);
  const fieldFaults = createFieldFaultCounter(registry);
  // The REST transport keeps running totals of its token requests; they are read at scrape time.
  let readTokens: (() => Readonly<TokenCounts>) | undefined;
  let countedTokens: TokenCounts = { requests: 0, forcedRenewals: 0 };
  const collectTokens = (): void => {
    if (!readTokens) return;
    const now = readTokens();
    tokenRequests.inc(Math.max(0, now.requests - countedTokens.requests));
    forcedRenewals.inc(Math.max(0, now.forcedRenewals - countedTokens.forcedRenewals));
    countedTokens = { requests: now.requests, forcedRenewals: now.forcedRenewals };
  };
  const tokenRequests = new Counter({
    name: 'mktsync_token_requests_total',
    help: 'Token requests to the Identity service (REST; always 0 over SOAP).',
    registers: [registry],
    collect: collectTokens,
  });
  const forcedRenewals = new Counter({
    name: 'mktsync_token_forced_renewals_total',
    help: 'Token renewals forced by a refused (601/602) or already expired token (REST; always 0 over SOAP).',
    registers: [registry],
    collect: collectTokens,
  });

  // Shared gauges: read from Redis at scrape time; one refresh (two round trips) serves them all.
  let refreshing: Promise<void> | undefined;
  const collect = async (): Promise<void> => {
    refreshing ??= refresh().finally(() => (refreshing = undefined));
    await refreshing;
  };
  const waiting = new Gauge({
    name: 'mktsync_records_waiting',
    help: 'Records waiting to be sent, by batch group and its kind (lead, object, activity, customObject, listMembership, programStatus) (shared).',
    labelNames: ['group', 'kind'] as const,
    registers: [registry],
    collect,
  });
  const groupOldest = new Gauge({
    name: 'mktsync_group_oldest_waiting_age_seconds',
    help: 'Age of the oldest change waiting in each batch group; 0 when none waits (shared).',
    labelNames: ['group', 'kind'] as const,
    registers: [registry],
    collect,
  });
  const inFlight = new Gauge({
    name: 'mktsync_records_in_flight',
    help: 'Records in calls in flight (shared).',
    registers: [registry],
    collect,
  });
  const activeCalls = new Gauge({
    name: 'mktsync_calls_in_flight',
    help: 'Calls to Marketo in flight across all workers (shared).',
    registers: [registry],
    collect,
  });
  const oldestAge = new Gauge({
    name: 'mktsync_oldest_waiting_age_seconds',
    help: 'Age of the oldest waiting change; 0 when none waits (shared).',
    registers: [registry],
    collect,
  });
  const deadLetters = new Gauge({
    name: 'mktsync_dead_letters',
    help: 'Records in the dead-letter set (shared).',
    registers: [registry],
    collect,
  });
  const quotaUsed = new Gauge({
    name: 'mktsync_quota_calls_today',
    help: 'Calls made today (US Central day) against the daily quota (shared).',
    registers: [registry],
    collect,
  });
  const lastSuccess = new Gauge({
    name: 'mktsync_last_success_timestamp_seconds',
    help: 'Unix time of the last successful call by any worker; 0 before the first (shared).',
    registers: [registry],
    collect,
  });
  const stopped = new Gauge({
    name: 'mktsync_sending_stopped',
    help: '1 while sending is stopped after an authentication or configuration fault (shared).',
    registers: [registry],
    collect,
  });
  const paused = new Gauge({
    name: 'mktsync_sending_paused',
    help: '1 while every worker waits out a throttle or quota pause (shared).',
    registers: [registry],
    collect,
  });
  const accepted = new Gauge({
    name: 'mktsync_buffer_changes_accepted',
    help: 'Changes accepted into the buffer since it was created (shared).',
    registers: [registry],
    collect,
  });
  const coalesced = new Gauge({
    name: 'mktsync_buffer_changes_coalesced',
    help: 'Changes merged into a pending record since the buffer was created (shared).',
    registers: [registry],
    collect,
  });

  const refresh = async (): Promise<void> => {
    const now = Date.now();
    const [stats, call] = await Promise.all([buffer.stats(now), buffer.callStats(quotaDay(now))]);
    // Every fixed group, and the member groups (per list, program, custom object) the buffer has held.
    for (const [group, n] of Object.entries(stats.waiting)) {
      const labels = { group, kind: groupKind(group) };
      waiting.set(labels, n);
      const oldest = (stats.oldestByGroup as Record<string, number | null>)[group] ?? null;
      groupOldest.set(labels, oldest === null ? 0 : Math.max(0, (now - oldest) / 1000));
    }
    inFlight.set(stats.inFlight);
    activeCalls.set(stats.activeCalls);
    oldestAge.set(stats.oldestWaitingAt === null ? 0 : Math.max(0, (now - stats.oldestWaitingAt) / 1000));
    deadLetters.set(stats.deadLetters);
    quotaUsed.set(call.callsToday);
    lastSuccess.set(call.lastSuccessAt === null ? 0 : call.lastSuccessAt / 1000);
    stopped.set(stats.stopped === null ? 0 : 1);
    paused.set(stats.pausedUntil === null ? 0 : 1);
    accepted.set(stats.counters.accepted ?? 0);
    coalesced.set(stats.counters.coalesced ?? 0);
  };
  const onCall = (attempt: CallAttempt): void => {
    const operation = attempt.operation;
    duration.observe({ operation }, attempt.durationMs / 1000);
    batchRecords.observe({ operation }, attempt.records);
    if (!attempt.error) {
      calls.inc({ operation, result: 'success' });
      return;
    }
    const { code, category } = attempt.error;
    calls.inc({ operation, result: code === null ? 'error' : 'fault' });
    faults.inc({ code: code ?? 'none', category });
    if (category === 'auth') authFailures.inc();
  };
  return {
    registry,
    onCall,
    trackTokens(read) {
      readTokens = read;
    },
    onBatch(_batch, report, actions) {
      throttlePauses.inc(report.throttlePauses);
      for (const f of report.faults)
        if (f.category === 'config') configFaults.inc({ setting: f.setting ?? 'unknown' });
      for (const r of report.retries) retries.inc({ category: r.category }, r.records);
      for (const action of actions) {
        if (action.action === 'retry') continue;
        if (action.action === 'dead' && action.dead.field !== undefined) fieldFaults.count(action.dead.field);
        outcomes.inc({ status: action.outcome.status });
        latency.observe(action.outcome.latencyMs / 1000);
      }
    },
  };
}

/** The kind of a batch group, for the `kind` label (a dashboard sums the open set of groups by it). */
function groupKind(group: string): string {
  return (parseGroupName(group) ?? parseLegacyGroupName(group))?.kind ?? 'unknown';
}
