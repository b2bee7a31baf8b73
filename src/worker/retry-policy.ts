import type { WorkerSettings } from '../config.js';
import { backoffMs } from './backoff.js';
import { DEFAULT_SPLIT_CALL_BUDGET } from './poison-split.js';

/**
 * The retry policy: every number that decides how often and how long the sender tries again, as one
 * value, validated once when the worker starts ({@link compileRetryPolicy}). What each failure leads
 * to is decided from it by `decide` (retry-decision.ts); the sender only carries that out.
 */

/** The backoff after a failure that burns an attempt. */
export interface BackoffPolicy {
  /**
   * The first ceiling (ms), doubled with each attempt burnt (`MKTSYNC_BACKOFF_BASE_MS`).
   * @defaultValue 1000
   */
  readonly baseMs: number;
  /**
   * The largest ceiling (ms) (`MKTSYNC_BACKOFF_MAX_MS`).
   * @defaultValue 300000
   */
  readonly maxMs: number;
  /**
   * The share of the ceiling drawn at random: 1 is full jitter (a wait anywhere in [0, ceiling]), 0 no
   * jitter (the ceiling itself).
   * @defaultValue 1
   */
  readonly jitter: number;
}

/** How long sending waits, for every worker, after a failure that is nobody's record's fault. */
export interface PausePolicy {
  /**
   * The longest throttle pause (ms): Marketo's retry-after is capped by it, and it is the pause when
   * Marketo gives none. It stands for Marketo's rate window (`MKTSYNC_RATE_WINDOW_MS`).
   * @defaultValue 20000
   */
  readonly throttleMs: number;
  /**
   * How long sending stops after an authentication fault before one more try (`MKTSYNC_AUTH_PAUSE_MS`).
   * @defaultValue 300000
   */
  readonly authMs: number;
  /**
   * The time zone of Marketo's daily quota reset: a quota fault parks sending until the next midnight
   * there.
   * @defaultValue 'America/Chicago'
   */
  readonly quotaResetTimeZone: string;
  /**
   * How long Marketo may still apply a request whose client stopped waiting for it (a response timeout,
   * a reset, a gateway error, a stopping worker giving the call up) (`MKTSYNC_ABANDONED_APPLY_MS`). The
   * records of such a call are not sent again before it has passed, counted from when the call failed
   * (never before the request left), so that the abandoned request cannot land after a resend carrying
   * a newer value; newer changes to those records wait with them. The default is Marketo's longest
   * documented server time for a sync request we send (Sync Leads: 90 s; opportunities and roles 60 s;
   * other endpoints 30 s) with 30 s more for the gateways and queues in front of it.
   * @defaultValue 120000
   */
  readonly abandonedApplyMs: number;
}

/** The retry policy; see the module's comment. Frozen. */
export interface RetryPolicy {
  /**
   * Attempts a record gets, the first included, before it is dead-lettered (`MKTSYNC_MAX_ATTEMPTS`).
   * It bounds every retry that burns an attempt: a resend after a failed call, after an answer that
   * leaves the record indeterminate, after a record-level failure, and records handed back undecided by
   * an isolation. Waits that burn none (throttle, quota, authentication, a stopping worker) are bounded
   * by their pauses instead.
   * @defaultValue 8
   */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /**
   * Extra calls one batch may spend isolating the records behind a whole-call record fault
   * (`MKTSYNC_SPLIT_CALL_BUDGET`).
   * @defaultValue 20
   */
  readonly splitCallBudget: number;
  /**
   * A record Marketo answered FAILED for a passing cause (transient or throttle, e.g. SOAP 20106, REST
   * 1029) gets another try only while fewer attempts than this were burnt on it (and within
   * `maxAttempts`): 1 is one more try for a record on its first attempt. More would resend every call
   * in which Marketo keeps refusing the same records.
   * @defaultValue 1
   */
  readonly recordRetryAttempts: number;
  readonly pauses: PausePolicy;
  /**
   * Custom activity types (API names or ids, as text) delivered at least once: after a lost answer
   * they are resent unchecked instead of after a read of the activity log
   * (`MKTSYNC_ACTIVITY_AT_LEAST_ONCE`).
   * @defaultValue none
   */
  readonly activityAtLeastOnce: ReadonlySet<string>;
}

/** What {@link compileRetryPolicy} takes: any field may be left out for its default. */
export interface RetryPolicyOptions {
  /** {@link RetryPolicy.maxAttempts} @defaultValue 8 */
  maxAttempts?: number;
  /** {@link BackoffPolicy}, field by field. */
  backoff?: Partial<BackoffPolicy>;
  /** {@link RetryPolicy.splitCallBudget} @defaultValue 20 */
  splitCallBudget?: number;
  /** {@link RetryPolicy.recordRetryAttempts} @defaultValue 1 */
  recordRetryAttempts?: number;
  /** {@link PausePolicy}, field by field. */
  pauses?: Partial<PausePolicy>;
  /** {@link RetryPolicy.activityAtLeastOnce} */
  activityAtLeastOnce?: readonly string[];
}

/** The defaults, as documented on each field. */
export const RETRY_POLICY_DEFAULTS: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  backoff: Object.freeze({ baseMs: 1_000, maxMs: 300_000, jitter: 1 }),
  splitCallBudget: DEFAULT_SPLIT_CALL_BUDGET,
  recordRetryAttempts: 1,
  pauses: Object.freeze({
    throttleMs: 20_000,
    authMs: 300_000,
    quotaResetTimeZone: 'America/Chicago',
    abandonedApplyMs: 120_000,
  }),
  activityAtLeastOnce: new Set<string>(),
});

/** A retry policy that cannot be used; the message names the field and the reason. */
export class RetryPolicyError extends TypeError {
  override readonly name = 'RetryPolicyError';
}

// The setting each field is read from, so that a refusal names what to change.
const SOURCES: Readonly<Record<string, string>> = {
  maxAttempts: 'MKTSYNC_MAX_ATTEMPTS',
  'backoff.baseMs': 'MKTSYNC_BACKOFF_BASE_MS',
  'backoff.maxMs': 'MKTSYNC_BACKOFF_MAX_MS',
  splitCallBudget: 'MKTSYNC_SPLIT_CALL_BUDGET',
  'pauses.throttleMs': 'MKTSYNC_RATE_WINDOW_MS',
  'pauses.authMs': 'MKTSYNC_AUTH_PAUSE_MS',
  'pauses.abandonedApplyMs': 'MKTSYNC_ABANDONED_APPLY_MS',
};

function refuse(field: string, reason: string, value: unknown): never {
  const source = SOURCES[field] === undefined ? '' : ` (${SOURCES[field]})`;
  throw new RetryPolicyError(`RetryPolicy.${field}${source} ${reason}, not ${String(value)}`);
}

function wholeNumber(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value)) refuse(field, 'must be a whole number', value);
  if (value < min) refuse(field, `must be at least ${min}`, value);
  return value;
}

/**
 * Validates `options` against the defaults and returns the frozen policy; throws
 * {@link RetryPolicyError} naming the first field that is wrong and why.
 */
export function compileRetryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  const d = RETRY_POLICY_DEFAULTS;
  const backoff = { ...d.backoff, ...options.backoff };
  const pauses = { ...d.pauses, ...options.pauses };
  const jitter = backoff.jitter;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
    refuse('backoff.jitter', 'must be a number from 0 to 1', jitter);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: pauses.quotaResetTimeZone });
  } catch {
    refuse('pauses.quotaResetTimeZone', 'must be an IANA time zone', pauses.quotaResetTimeZone);
  }
  return Object.freeze({
    maxAttempts: wholeNumber('maxAttempts', options.maxAttempts ?? d.maxAttempts, 1),
    backoff: Object.freeze({
      baseMs: wholeNumber('backoff.baseMs', backoff.baseMs, 0),
      maxMs: wholeNumber('backoff.maxMs', backoff.maxMs, 0),
      jitter,
    }),
    splitCallBudget: wholeNumber('splitCallBudget', options.splitCallBudget ?? d.splitCallBudget, 0),
    recordRetryAttempts: wholeNumber(
      'recordRetryAttempts',
      options.recordRetryAttempts ?? d.recordRetryAttempts,
      0,
    ),
    pauses: Object.freeze({
      throttleMs: wholeNumber('pauses.throttleMs', pauses.throttleMs, 1),
      authMs: wholeNumber('pauses.authMs', pauses.authMs, 1),
      quotaResetTimeZone: pauses.quotaResetTimeZone,
      abandonedApplyMs: wholeNumber(
        'pauses.abandonedApplyMs',
        options.pauses?.abandonedApplyMs ?? d.pauses.abandonedApplyMs,
        0,
      ),
    }),
    activityAtLeastOnce: new Set(options.activityAtLeastOnce ?? []),
  });
}

/**
 * The worker settings the retry policy is read from (the split budget and the abandoned-request bound
 * default when left out).
 */
export type RetrySettings = Pick<
  WorkerSettings,
  'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'rateWindowMs' | 'authPauseMs'
> &
  Partial<Pick<WorkerSettings, 'splitCallBudget' | 'abandonedApplyMs' | 'activityAtLeastOnce'>>;

/** The retry policy of a worker's settings (read once, when the worker starts). */
export function retryPolicyOf(settings: RetrySettings): RetryPolicy {
  return compileRetryPolicy({
    maxAttempts: settings.maxAttempts,
    backoff: { baseMs: settings.backoffBaseMs, maxMs: settings.backoffMaxMs },
    splitCallBudget: settings.splitCallBudget,
    ...(settings.activityAtLeastOnce ? { activityAtLeastOnce: settings.activityAtLeastOnce } : {}),
    pauses: {
      throttleMs: settings.rateWindowMs,
      authMs: settings.authPauseMs,
      ...(settings.abandonedApplyMs !== undefined ? { abandonedApplyMs: settings.abandonedApplyMs } : {}),
    },
  });
}

/**
 * Whether a record with `attempts` burnt may have one more: the one place `maxAttempts` is checked.
 * The attempt about to be decided is the record's `attempts + 1`-th.
 */
export function mayTryAgain(policy: RetryPolicy, attempts: number): boolean {
  return attempts + 1 < policy.maxAttempts;
}

/** The backoff before the next attempt of a record with `attempts` burnt; `sample` in [0, 1). */
export function backoffWait(policy: RetryPolicy, attempts: number, sample: number): number {
  const { baseMs, maxMs, jitter } = policy.backoff;
  return backoffMs(attempts, baseMs, maxMs, () => sample, jitter);
}
