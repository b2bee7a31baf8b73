import { z } from 'zod';
import { isTransportKind, TRANSPORT_KIND_CHOICES, type TransportKind } from './vocabulary/transport-kinds.js';
import { DEFAULT_SPLIT_CALL_BUDGET } from './worker/poison-split.js';

/**
 * The one module that turns environment variables into typed, validated settings. Callers pass the
 * environment in (the CLI passes `process.env`), so nothing else reads it and tests can hand in their own.
 */

/** Raised for invalid settings; the message names the variable and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** How to reach Marketo (or an emulator standing in for it). */
export interface MarketoSettings {
  /** `MARKETO_SOAP_ENDPOINT`; undefined when not configured. */
  endpoint?: string;
  /** `MARKETO_USER_ID`. */
  userId?: string;
  /** `MARKETO_ENCRYPTION_KEY`: a secret, never printed. */
  encryptionKey?: string;
}

const endpointSchema = z
  .url({
    protocol: /^https?$/,
    message: 'must be an http(s) URL such as https://123-ABC-456.mktoapi.com/soap/mktows/2_3',
  })
  .optional();

/** Reads the Marketo settings; all three are optional here, {@link requireMarketo} insists. */
export function readMarketoSettings(env: Env): MarketoSettings {
  const endpoint = env.MARKETO_SOAP_ENDPOINT?.trim() || undefined;
  const parsed = endpointSchema.safeParse(endpoint);
  if (!parsed.success)
    throw new ConfigError(`MARKETO_SOAP_ENDPOINT ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  const settings: MarketoSettings = {};
  if (endpoint) settings.endpoint = endpoint;
  const userId = env.MARKETO_USER_ID?.trim();
  if (userId) settings.userId = userId;
  const key = env.MARKETO_ENCRYPTION_KEY;
  if (key) settings.encryptionKey = key;
  return Object.freeze(settings);
}

/** The Marketo settings with every part present, or a {@link ConfigError} naming what is missing. */
export function requireMarketo(settings: MarketoSettings): Required<MarketoSettings> {
  const missing = (
    [
      ['MARKETO_SOAP_ENDPOINT', settings.endpoint],
      ['MARKETO_USER_ID', settings.userId],
      ['MARKETO_ENCRYPTION_KEY', settings.encryptionKey],
    ] as const
  )
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. Set ${missing.length === 1 ? 'it' : 'them'} to your ` +
        `Marketo SOAP endpoint and credentials (or use REST: MARKETO_TRANSPORT=rest and its settings), or start an emulator with \`mktsync emulator\` and point them at it.`,
    );
  }
  return settings as Required<MarketoSettings>;
}

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

const int = (min: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`);

const workerEnvSchema = z
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
  const blankless = {
    // REST has its own defaults (Adobe's advice); anything set explicitly still wins.
    ...(readTransportKind(env) === 'rest' ? REST_WORKER_DEFAULTS : {}),
    ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== '')),
  };
  const parsed = workerEnvSchema.safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
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

/** Settings of the ingest server (`mktsync ingest`). */
export interface IngestSettings {
  redisUrl?: string;
  redisClusterNodes?: string[];
  prefix: string;
  /** `MKTSYNC_INGEST_TOKEN`: the bearer token clients send (a secret). */
  token?: string;
  /** `MKTSYNC_INGEST_AUTH=off` accepts requests without a token. */
  authDisabled: boolean;
  /** `MKTSYNC_INGEST_PORT` (default 8080) and `MKTSYNC_INGEST_HOST` (default 0.0.0.0). */
  port: number;
  host: string;
  /** `MKTSYNC_INGEST_MAX_BODY_BYTES` (default 5242880). */
  maxBodyBytes: number;
  /**
   * `MKTSYNC_INGEST_MAX_BYTES_IN_PROGRESS`: bytes of bodies read and parsed at once; beyond it a body is
   * answered 503 with Retry-After (default 3 × the body limit).
   */
  maxBytesInProgress: number;
  /** `MKTSYNC_IDEMPOTENCY_WINDOW_S`: see {@link readIdempotencyWindowSec}. */
  idempotencyWindowSec: number;
  logLevel: WorkerSettings['logLevel'];
}

const ingestEnvSchema = z.object({
  MKTSYNC_INGEST_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MKTSYNC_INGEST_AUTH: z.enum(['on', 'off']).default('on'),
  MKTSYNC_INGEST_PORT: int(0).max(65535).default(8080),
  MKTSYNC_INGEST_HOST: z.string().min(1).default('0.0.0.0'),
  MKTSYNC_INGEST_MAX_BODY_BYTES: int(1).default(5 * 1024 * 1024),
  MKTSYNC_INGEST_MAX_BYTES_IN_PROGRESS: int(1).optional(),
});

/** Reads the ingest settings; a token is required unless auth is switched off. */
export function readIngestSettings(env: Env): IngestSettings {
  const common = readCommonRedis(env);
  const blankless = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = ingestEnvSchema.safeParse(blankless);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  const e = parsed.data;
  if (e.MKTSYNC_INGEST_AUTH === 'on' && !e.MKTSYNC_INGEST_TOKEN) {
    throw new ConfigError(
      'MKTSYNC_INGEST_TOKEN is not set: set a bearer token of 16+ characters, or MKTSYNC_INGEST_AUTH=off on a trusted network',
    );
  }
  const settings: IngestSettings = {
    ...common,
    authDisabled: e.MKTSYNC_INGEST_AUTH === 'off',
    port: e.MKTSYNC_INGEST_PORT,
    host: e.MKTSYNC_INGEST_HOST,
    maxBodyBytes: e.MKTSYNC_INGEST_MAX_BODY_BYTES,
    maxBytesInProgress: e.MKTSYNC_INGEST_MAX_BYTES_IN_PROGRESS ?? 3 * e.MKTSYNC_INGEST_MAX_BODY_BYTES,
    idempotencyWindowSec: readIdempotencyWindowSec(env),
  };
  if (e.MKTSYNC_INGEST_TOKEN) settings.token = e.MKTSYNC_INGEST_TOKEN;
  return Object.freeze(settings);
}

const idempotencyEnvSchema = z.object({
  MKTSYNC_IDEMPOTENCY_WINDOW_S: int(1)
    .max(30 * 86_400, 'must be at most 2592000 (30 days)')
    .default(86_400),
});

/**
 * `MKTSYNC_IDEMPOTENCY_WINDOW_S`: how long the buffer remembers a producer's idempotency key, so that a
 * resend within it is answered with the first reference instead of being written again (default 86400,
 * one day). Only changes that carry a key cost memory (about 150–220 bytes of Redis each, expiring with the window).
 */
export function readIdempotencyWindowSec(env: Env): number {
  const value = env.MKTSYNC_IDEMPOTENCY_WINDOW_S?.trim();
  const parsed = idempotencyEnvSchema.safeParse(value ? { MKTSYNC_IDEMPOTENCY_WINDOW_S: value } : {});
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  return parsed.data.MKTSYNC_IDEMPOTENCY_WINDOW_S;
}

/** Redis location, prefix and log level, shared by every command that talks to the buffer. */
export function readCommonRedis(
  env: Env,
): Pick<WorkerSettings, 'redisUrl' | 'redisClusterNodes' | 'prefix' | 'logLevel'> {
  const s = readWorkerSettings({
    ...Object.fromEntries(
      Object.entries(env).filter(([k]) =>
        ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'MKTSYNC_PREFIX', 'MKTSYNC_LOG_LEVEL'].includes(k),
      ),
    ),
  });
  const out: Pick<WorkerSettings, 'redisUrl' | 'redisClusterNodes' | 'prefix' | 'logLevel'> = {
    prefix: s.prefix,
    logLevel: s.logLevel,
  };
  if (s.redisUrl) out.redisUrl = s.redisUrl;
  if (s.redisClusterNodes) out.redisClusterNodes = s.redisClusterNodes;
  return out;
}

/** The Redis target of settings, for {@link connectRedis}. */
export function redisTarget(s: Pick<WorkerSettings, 'redisUrl' | 'redisClusterNodes'>): {
  url?: string;
  clusterNodes?: string[];
} {
  return {
    ...(s.redisUrl ? { url: s.redisUrl } : {}),
    ...(s.redisClusterNodes ? { clusterNodes: s.redisClusterNodes } : {}),
  };
}

/** How to reach Marketo's REST API. */
export interface RestSettings {
  /** `MARKETO_REST_ENDPOINT` without a trailing `/rest`, e.g. `https://123-ABC-456.mktorest.com`. */
  endpoint: string;
  /** `MARKETO_IDENTITY_ENDPOINT` (default `<endpoint>/identity`). */
  identityEndpoint: string;
  /** `MARKETO_CLIENT_ID`. */
  clientId: string;
  /** `MARKETO_CLIENT_SECRET`: a secret; not enumerable, so it stays out of logs, JSON and inspection. */
  readonly clientSecret: string;
  /** `MARKETO_REST_FOREIGN_ID_FIELD`: the REST lead field holding ForeignSysPersonId (needed only for such leads). */
  foreignIdField?: string;
  /** `MARKETO_REST_PARTITION`: Sync Leads' partitionName, for instances with lead partitions. */
  partitionName?: string;
}

/**
 * Defaults that replace the worker's when the transport is REST, after Adobe's advice: stay well below
 * the instance's 100 calls per 20 s and 10 at once (other integrations share them), wait longer than
 * Sync Leads' 90 s server time, and lease a batch longer than that wait.
 */
export const REST_WORKER_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  MKTSYNC_RATE_LIMIT: '50',
  MKTSYNC_MAX_CONCURRENT: '5',
  MKTSYNC_RESPONSE_TIMEOUT_MS: '120000',
  MKTSYNC_LEASE_MS: '150000',
});

/**
 * `MARKETO_TRANSPORT` (soap or rest); when unset, the one whose endpoint is set (SOAP when neither is).
 * Both endpoints set without `MARKETO_TRANSPORT` is ambiguous and an error naming both.
 */
export function readTransportKind(env: Env): TransportKind {
  const chosen = env.MARKETO_TRANSPORT?.trim();
  const soap = Boolean(env.MARKETO_SOAP_ENDPOINT?.trim());
  const rest = Boolean(env.MARKETO_REST_ENDPOINT?.trim());
  if (chosen) {
    if (!isTransportKind(chosen))
      throw new ConfigError(
        `MARKETO_TRANSPORT must be ${TRANSPORT_KIND_CHOICES}, got ${JSON.stringify(chosen.slice(0, 20))}`,
      );
    return chosen;
  }
  if (soap && rest)
    throw new ConfigError(
      'MARKETO_SOAP_ENDPOINT and MARKETO_REST_ENDPOINT are both set: set MARKETO_TRANSPORT=soap or rest, or unset one of them',
    );
  return rest ? 'rest' : 'soap';
}

const restUrl = (example: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL such as ${example}` });

/** Reads the REST settings, or a {@link ConfigError} naming each missing or bad variable. */
export function readRestSettings(env: Env): RestSettings {
  const problems: string[] = [];
  const endpointText = env.MARKETO_REST_ENDPOINT?.trim();
  let endpoint = '';
  if (!endpointText)
    problems.push('MARKETO_REST_ENDPOINT is not set (e.g. https://123-ABC-456.mktorest.com)');
  else {
    const parsed = restUrl('https://123-ABC-456.mktorest.com').safeParse(endpointText);
    if (!parsed.success)
      problems.push(`MARKETO_REST_ENDPOINT ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    // Marketo's admin page shows the endpoint ending in /rest; paths are added after the base.
    else endpoint = endpointText.replace(/\/+$/, '').replace(/\/rest$/, '');
  }
  const identityText = env.MARKETO_IDENTITY_ENDPOINT?.trim();
  let identityEndpoint = endpoint ? `${endpoint}/identity` : '';
  if (identityText) {
    const parsed = restUrl('https://123-ABC-456.mktorest.com/identity').safeParse(identityText);
    if (!parsed.success)
      problems.push(`MARKETO_IDENTITY_ENDPOINT ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    else identityEndpoint = identityText.replace(/\/+$/, '');
  }
  const clientId = env.MARKETO_CLIENT_ID?.trim();
  if (!clientId)
    problems.push('MARKETO_CLIENT_ID is not set (Admin > LaunchPoint > the custom service > View Details)');
  const clientSecret = env.MARKETO_CLIENT_SECRET;
  if (!clientSecret?.trim()) problems.push('MARKETO_CLIENT_SECRET is not set');
  const foreignIdField = env.MARKETO_REST_FOREIGN_ID_FIELD?.trim();
  if (foreignIdField && !/^[A-Za-z][A-Za-z0-9_]*$/.test(foreignIdField))
    problems.push('MARKETO_REST_FOREIGN_ID_FIELD must be a REST field name (letters, digits, _)');
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  const settings = { endpoint, identityEndpoint, clientId: clientId! } as RestSettings;
  // Not enumerable: JSON.stringify, util.inspect and object spreads leave the secret out.
  Object.defineProperty(settings, 'clientSecret', { value: clientSecret, enumerable: false });
  if (foreignIdField) settings.foreignIdField = foreignIdField;
  const partition = env.MARKETO_REST_PARTITION?.trim();
  if (partition) settings.partitionName = partition;
  return Object.freeze(settings);
}

/**
 * What producers (`mktsync ingest`, `mktsync enqueue`) must know of the workers' transport to refuse at
 * intake what it cannot express: `MARKETO_TRANSPORT` and `MARKETO_REST_FOREIGN_ID_FIELD`.
 */
export function readIntakeSettings(env: Env): {
  transport: TransportKind;
  restForeignIdField?: string;
} {
  const transport = readTransportKind(env);
  const field = env.MARKETO_REST_FOREIGN_ID_FIELD?.trim();
  return { transport, ...(transport === 'rest' && field ? { restForeignIdField: field } : {}) };
}

/** Settings of reconciliation runs (`mktsync worker` processes them; `mktsync reconcile` submits them). */
export interface ReconcileSettings {
  /** `MKTSYNC_RECONCILE=off` keeps a worker from processing reconcile runs (default on). */
  enabled: boolean;
  /** `MKTSYNC_RECONCILE_CONCURRENCY`: runs one worker processes at once (default 1). */
  concurrency: number;
  /**
   * `MKTSYNC_RECONCILE_LOCK_MS`: a run whose worker died (even SIGKILL) is resumed by another worker from
   * its last checkpoint after this long (default 30000).
   */
  lockMs: number;
  /** `MKTSYNC_RECONCILE_CONFIRM_TIMEOUT_MS`: how long a run waits for the outcomes of what it sent (default 3600000). */
  confirmTimeoutMs: number;
  /** `MKTSYNC_RECONCILE_MAX_BYTES`: largest export a run reads (default 17179869184, 16 GiB). */
  maxBytes: number;
  /** `MKTSYNC_RECONCILE_MAX_LINE_BYTES`: longest line of an export (default 1048576). */
  maxLineBytes: number;
  /**
   * `MKTSYNC_RECONCILE_MEMORY_MB`: most memory a run holds a set's fingerprints in (about 25 bytes per
   * tracked record; default 256, about 10 million records); a larger set is diffed in Redis, slower.
   * 0 always diffs in Redis.
   */
  memoryLimitBytes: number;
}

const reconcileEnvSchema = z.object({
  MKTSYNC_RECONCILE: z.enum(['on', 'off']).default('on'),
  MKTSYNC_RECONCILE_CONCURRENCY: int(1).default(1),
  MKTSYNC_RECONCILE_LOCK_MS: int(1000).default(30_000),
  MKTSYNC_RECONCILE_CONFIRM_TIMEOUT_MS: int(0).default(3_600_000),
  MKTSYNC_RECONCILE_MAX_BYTES: int(1).default(16 * 1024 ** 3),
  MKTSYNC_RECONCILE_MAX_LINE_BYTES: int(1024).default(1024 * 1024),
  MKTSYNC_RECONCILE_MEMORY_MB: int(0).default(256),
});

/** Reads the reconciliation settings; throws {@link ConfigError} naming each bad variable. */
export function readReconcileSettings(env: Env): ReconcileSettings {
  const blankless = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = reconcileEnvSchema.safeParse(blankless);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  const e = parsed.data;
  return Object.freeze({
    enabled: e.MKTSYNC_RECONCILE === 'on',
    concurrency: e.MKTSYNC_RECONCILE_CONCURRENCY,
    lockMs: e.MKTSYNC_RECONCILE_LOCK_MS,
    confirmTimeoutMs: e.MKTSYNC_RECONCILE_CONFIRM_TIMEOUT_MS,
    maxBytes: e.MKTSYNC_RECONCILE_MAX_BYTES,
    maxLineBytes: e.MKTSYNC_RECONCILE_MAX_LINE_BYTES,
    memoryLimitBytes: e.MKTSYNC_RECONCILE_MEMORY_MB * 1024 * 1024,
  });
}

/**
 * The schemas of the variables read through zod, so that a test can hold the README's configuration
 * table against them (every variable listed, with its default). Variables read directly (`env.X`
 * above) are found by that test in this file's text.
 */
export const ENV_SCHEMAS = Object.freeze({
  worker: workerEnvSchema,
  ingest: ingestEnvSchema,
  idempotency: idempotencyEnvSchema,
  reconcile: reconcileEnvSchema,
});
