import { z } from 'zod';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { blankless, int, schemaError, type Env } from './config-error.js';
import { REST_WORKER_DEFAULTS, readRestSettings, type RestSettings } from './rest-settings.js';
import { readMarketoSettings, type MarketoSettings } from './soap-settings.js';
import { readTransportKind } from './transport-choice.js';

/**
 * Extra calls one batch may spend finding the records behind a whole-call record fault
 * (`MKTSYNC_SPLIT_CALL_BUDGET`'s default). 20 covers isolating one bad record in a full batch of 300 by
 * halving (2 · ⌈log2 300⌉ = 18 calls).
 */
export const DEFAULT_SPLIT_CALL_BUDGET = 20;

/** Everything a worker needs; each field documents its variable and default. */
export interface WorkerSettings {
  /** `REDIS_URL` (default redis://127.0.0.1:6379). */
  redisUrl?: string;
  /** `REDIS_CLUSTER_NODES`: comma-separated host:port seeds; used instead of REDIS_URL. */
  redisClusterNodes?: string[];
  /** `MKTSYNC_PREFIX`: the key prefix and Redis Cluster hash tag (default mktsync). */
  prefix: string;
  marketo: MarketoSettings;
  /** `MARKETO_TRANSPORT`: which Marketo API the worker talks to (see {@link readTransportKind}). */
  transport: TransportKind;
  /** The REST settings, read when the transport is REST. */
  rest?: RestSettings;
  /** `MKTSYNC_LINGER_MS`: how long the oldest change may wait for a fuller batch (default 2000). */
  lingerMs: number;
  /**
   * `MKTSYNC_QUIET_MS`: a record that changed within this time waits for more changes (up to the linger
   * time), so that a lead changing many times in a burst is sent once (default 500; 0 = send full
   * batches at once).
   */
  quietMs: number;
  /** `MKTSYNC_MAX_LEADS_PER_CALL` (default 300, Marketo's maximum). */
  maxLeadsPerCall: number;
  /**
   * `MKTSYNC_MAX_MOBJECTS_PER_CALL`: a cap on objects per call below the transport's own maximum (SOAP
   * 100, REST 300 opportunities or roles, one program); default 300 (no cap beyond the transport's).
   */
  maxMObjectsPerCall: number;
  /** `MKTSYNC_RATE_LIMIT` calls per `MKTSYNC_RATE_WINDOW_MS`, shared by all workers (default 80 per 20000; 0 = off). */
  rateLimit: number;
  rateWindowMs: number;
  /** `MKTSYNC_MAX_CONCURRENT` calls at once across all workers (default 8; 0 = off). */
  maxConcurrent: number;
  /** `MKTSYNC_DAILY_QUOTA`: the instance's daily call quota, for the quota gauge and alert (default 10000). */
  dailyQuota: number;
  /** `MKTSYNC_MAX_ATTEMPTS` for transient failures before a record is dead-lettered (default 8). */
  maxAttempts: number;
  /**
   * `MKTSYNC_SPLIT_CALL_BUDGET`: extra calls one batch may spend isolating the records behind a
   * whole-call record fault; records still undecided then go back with an attempt burnt (default 20).
   */
  splitCallBudget: number;
  /** `MKTSYNC_BACKOFF_BASE_MS` and `MKTSYNC_BACKOFF_MAX_MS`: exponential backoff with full jitter (default 1000, 300000). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** `MKTSYNC_RESPONSE_TIMEOUT_MS`: longest wait for one answer, REST or SOAP (default 60000; 120000 over REST). */
  responseTimeoutMs: number;
  /** `MKTSYNC_LEASE_MS`: a batch not settled or renewed in this time is put back (default 90000; must exceed the response timeout). */
  leaseMs: number;
  /** `MKTSYNC_OUTCOME_RETENTION_S`: how long each record's latest outcome is kept (default 604800, 7 days). */
  outcomeRetentionSec: number;
  /** `MKTSYNC_OUTCOME_STREAM_MAXLEN`: approximate length of the outcome stream (default 1000000). */
  outcomeStreamMaxLen: number;
  /**
   * `MKTSYNC_ABANDONED_APPLY_MS`: how long Marketo may still apply a request the worker stopped waiting
   * for; its records are not sent again before then (default 120000; see `RetryPolicy`).
   */
  abandonedApplyMs: number;
  /**
   * `MKTSYNC_ACTIVITY_AT_LEAST_ONCE`: custom activity types (API names or ids, comma-separated) sent
   * at least once: after a lost answer they are resent without reading the activity log first, so an
   * event may be logged twice (default none: every type is checked, "verify, don't guess").
   */
  activityAtLeastOnce: string[];
  /** `MKTSYNC_AUTH_PAUSE_MS`: how long sending stops after an authentication fault before one retry (default 300000). */
  authPauseMs: number;
  /** `MKTSYNC_HTTP_PORT`: port of /livez, /readyz and /metrics (default 9464; 0 picks one). */
  httpPort: number;
  /** `MKTSYNC_HTTP_HOST` (default 0.0.0.0). */
  httpHost: string;
  /** `MKTSYNC_SHUTDOWN_TIMEOUT_MS`: how long a stopping worker waits for calls in flight (default 30000). */
  shutdownTimeoutMs: number;
  /** `MKTSYNC_LOG_LEVEL`: debug, info, warn or error (default info). */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** `MKTSYNC_INGEST_TOKEN`: guards the worker's queue view (off without it). */
  queueViewToken?: string;
  /** `MKTSYNC_QUEUE_VIEW_WRITE=on` lets the queue view redrive dead letters (default off). */
  queueViewWrite: boolean;
}

export const workerEnvSchema = z
  .object({
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    REDIS_CLUSTER_NODES: z
      .string()
      .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'must be comma-separated host:port pairs')
      .optional(),
    MKTSYNC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/, "may hold letters, digits, '-', '_', '.', ':'")
      .default('mktsync'),
    MKTSYNC_LINGER_MS: int(0).default(2000),
    MKTSYNC_QUIET_MS: int(0).default(500),
    MKTSYNC_MAX_LEADS_PER_CALL: int(1).max(300, 'must be at most 300 (Marketo’s limit)').default(300),
    MKTSYNC_MAX_MOBJECTS_PER_CALL: int(1)
      .max(300, 'must be at most 300 (Marketo’s REST limit; SOAP takes 100 at most)')
      .default(300),
    MKTSYNC_RATE_LIMIT: int(0).default(80),
    MKTSYNC_RATE_WINDOW_MS: int(1).default(20_000),
    MKTSYNC_MAX_CONCURRENT: int(0).default(8),
    MKTSYNC_DAILY_QUOTA: int(1).default(10_000),
    MKTSYNC_MAX_ATTEMPTS: int(1).default(8),
    MKTSYNC_SPLIT_CALL_BUDGET: int(0).default(DEFAULT_SPLIT_CALL_BUDGET),
    MKTSYNC_BACKOFF_BASE_MS: int(0).default(1000),
    MKTSYNC_BACKOFF_MAX_MS: int(0).default(300_000),
    MKTSYNC_RESPONSE_TIMEOUT_MS: int(1).default(60_000),
    MKTSYNC_LEASE_MS: int(1).default(90_000),
    MKTSYNC_OUTCOME_RETENTION_S: int(1).default(604_800),
    MKTSYNC_OUTCOME_STREAM_MAXLEN: int(1).default(1_000_000),
    MKTSYNC_AUTH_PAUSE_MS: int(1).default(300_000),
    MKTSYNC_ABANDONED_APPLY_MS: int(0).default(120_000),
    MKTSYNC_ACTIVITY_AT_LEAST_ONCE: z
      .string()
      .max(10_000)
      .regex(
        /^\s*([A-Za-z0-9_]{1,100}\s*(,\s*[A-Za-z0-9_]{1,100}\s*)*)?$/,
        'must be comma-separated activity type API names or ids',
      )
      .optional(),
    MKTSYNC_HTTP_PORT: int(0).max(65535).default(9464),
    MKTSYNC_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    MKTSYNC_SHUTDOWN_TIMEOUT_MS: int(0).default(30_000),
    MKTSYNC_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    MKTSYNC_INGEST_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    MKTSYNC_QUEUE_VIEW_WRITE: z.enum(['on', 'off']).default('off'),
  })
  .refine((e) => e.MKTSYNC_LEASE_MS > e.MKTSYNC_RESPONSE_TIMEOUT_MS, {
    path: ['MKTSYNC_LEASE_MS'],
    message: 'must be longer than MKTSYNC_RESPONSE_TIMEOUT_MS, or a slow call could be sent twice at once',
  });

/** Reads and validates the worker settings; throws {@link ConfigError} naming each bad variable. */
export function readWorkerSettings(env: Env): WorkerSettings {
  const parsed = workerEnvSchema.safeParse({
    // REST has its own defaults (Adobe's advice); anything set explicitly still wins.
    ...(readTransportKind(env) === 'rest' ? REST_WORKER_DEFAULTS : {}),
    ...blankless(env),
  });
  if (!parsed.success) {
    throw schemaError(parsed.error);
  }
  const e = parsed.data;
  const settings: WorkerSettings = {
    prefix: e.MKTSYNC_PREFIX,
    marketo: readMarketoSettings(env),
    transport: readTransportKind(env),
    lingerMs: e.MKTSYNC_LINGER_MS,
    quietMs: e.MKTSYNC_QUIET_MS,
    maxLeadsPerCall: e.MKTSYNC_MAX_LEADS_PER_CALL,
    maxMObjectsPerCall: e.MKTSYNC_MAX_MOBJECTS_PER_CALL,
    rateLimit: e.MKTSYNC_RATE_LIMIT,
    rateWindowMs: e.MKTSYNC_RATE_WINDOW_MS,
    maxConcurrent: e.MKTSYNC_MAX_CONCURRENT,
    dailyQuota: e.MKTSYNC_DAILY_QUOTA,
    maxAttempts: e.MKTSYNC_MAX_ATTEMPTS,
    splitCallBudget: e.MKTSYNC_SPLIT_CALL_BUDGET,
    backoffBaseMs: e.MKTSYNC_BACKOFF_BASE_MS,
    backoffMaxMs: e.MKTSYNC_BACKOFF_MAX_MS,
    responseTimeoutMs: e.MKTSYNC_RESPONSE_TIMEOUT_MS,
    leaseMs: e.MKTSYNC_LEASE_MS,
    outcomeRetentionSec: e.MKTSYNC_OUTCOME_RETENTION_S,
    outcomeStreamMaxLen: e.MKTSYNC_OUTCOME_STREAM_MAXLEN,
    authPauseMs: e.MKTSYNC_AUTH_PAUSE_MS,
    abandonedApplyMs: e.MKTSYNC_ABANDONED_APPLY_MS,
    activityAtLeastOnce: (e.MKTSYNC_ACTIVITY_AT_LEAST_ONCE ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    httpPort: e.MKTSYNC_HTTP_PORT,
    httpHost: e.MKTSYNC_HTTP_HOST,
    shutdownTimeoutMs: e.MKTSYNC_SHUTDOWN_TIMEOUT_MS,
    logLevel: e.MKTSYNC_LOG_LEVEL,
    queueViewWrite: e.MKTSYNC_QUEUE_VIEW_WRITE === 'on',
  };
  if (e.MKTSYNC_INGEST_TOKEN) settings.queueViewToken = e.MKTSYNC_INGEST_TOKEN;
  if (e.REDIS_URL) settings.redisUrl = e.REDIS_URL;
  if (e.REDIS_CLUSTER_NODES) settings.redisClusterNodes = e.REDIS_CLUSTER_NODES.split(',');
  if (settings.transport === 'rest') settings.rest = readRestSettings(env);
  return Object.freeze(settings);
}
