import type { CallApplied, CallErrorCategory } from '../transport/contract.js';
import { nextMidnight } from './backoff.js';
import { FAILURE_ACTIONS, policyRow, type DeliveryKind } from './delivery-policy.js';
import { backoffWait, mayTryAgain, type RetryPolicy } from './retry-policy.js';

/**
 * The retry decision: what one record's failure leads to, from the delivery policy's table (what a
 * record can afford, `FAILURE_ACTIONS` in delivery-policy.ts) and the retry policy's numbers (how
 * often, how long). It is pure; the sender carries out what it returns, and what each action means is
 * written here, beside the table, not in the sender.
 */

/** Where a failure was seen, which decides which rules apply to it. */
export const FAILURE_SCOPES = [
  /** The call as a whole failed (the transport threw): `FAILURE_ACTIONS`, by category and `applied`. */
  'call',
  /**
   * One record's result was FAILED in an answer: `invalid-record` is final, `transient` and `throttle`
   * get {@link RetryPolicy.recordRetryAttempts}, `indeterminate` takes the table's indeterminate row.
   */
  'record',
  /** An isolation spent its split-call budget with the record still undecided: resent with backoff. */
  'split-budget',
  /**
   * The record's batch was recovered after its worker died or lost the lease: an attempt ended without
   * an answer, and the sweeper already burnt it. Creates are not sent again; the rest are, now.
   */
  'recovered',
] as const;
export type FailureScope = (typeof FAILURE_SCOPES)[number];

/** A failure as the decision needs it: where it was seen and what the transport said of it. */
export interface Failure {
  scope: FailureScope;
  category: CallErrorCategory;
  /** Whether the call may have been applied; by default what the category implies. */
  applied?: CallApplied;
  /** Marketo's or the limiter's hint for a throttle (ms). */
  retryAfterMs?: number;
}

/** Everything {@link decide} looks at; `S` narrows the failure's scope. */
export interface DecisionInput<S extends FailureScope = FailureScope> {
  failure: Failure & { scope: S };
  kind: DeliveryKind;
  /** Attempts already burnt on the record (the one that failed not included, unless `recovered`). */
  attempts: number;
  /**
   * The worker is stopping. A whole call that failed meanwhile may have failed because the worker gave
   * it up, so what may be resent goes back at once without an attempt burnt.
   */
  stopping: boolean;
  now: number;
  /** A random sample in [0, 1) for the backoff's jitter (one per failed call keeps its records together). */
  jitter: number;
}

/**
 * What the sender does with one record; each action says everything needed to carry it out:
 * - `send`: (recovered) send it now, as claimed.
 * - `pause`: every worker waits until `untilMs` (a throttle: Marketo's retry-after capped by
 *   `pauses.throttleMs`); the record goes back, no attempt burnt.
 * - `park`: the daily quota is used up: sending waits until `untilMs`, the next midnight in
 *   `pauses.quotaResetTimeZone`; back, no attempt burnt.
 * - `stop`: authentication failed or a setting is wrong (`config`): sending stops for `forMs`
 *   (`pauses.authMs`) and readiness fails, naming the setting; back, no attempt burnt.
 * - `split`: the record is among those a whole-call record fault is isolated from.
 * - `fail`: refused for good: FAILED, dead-lettered with what Marketo said.
 * - `retry`: back to pending after `waitMs` of backoff, an attempt burnt; `uncertain` when the failed
 *   attempt may have applied it (a SKIPPED answer to the resend then reads PROBABLY_CREATED).
 * - `give-up`: no attempt left ({@link RetryPolicy.maxAttempts}): FAILED, dead-lettered naming the
 *   attempts; `uncertain` as for `retry`.
 * - `indeterminate`: a create that may have been applied: INDETERMINATE, dead-lettered for an operator.
 * - `hand-back`: back to pending after `waitMs`, no attempt burnt (the worker is stopping, or the
 *   object is read-only in this instance: held for `pauses.authMs`).
 *
 * A call that failed with `applied: 'indeterminate'` was abandoned: Marketo may still apply it. Its
 * records' `retry` and `hand-back` wait at least `pauses.abandonedApplyMs`, so that no resend carrying
 * a newer value can be overtaken by it (last writer wins); a resend sooner would be safe from
 * duplicates but not from that stale write.
 */
export type Decision =
  | { action: 'send' }
  | { action: 'pause'; untilMs: number }
  | { action: 'park'; untilMs: number }
  | { action: 'stop'; forMs: number }
  | { action: 'split' }
  | { action: 'fail' }
  | { action: 'retry'; waitMs: number; uncertain: boolean }
  | { action: 'give-up'; uncertain: boolean }
  | { action: 'indeterminate' }
  | { action: 'hand-back'; uncertain: boolean; waitMs: number };

type Only<A extends Decision['action']> = Extract<Decision, { action: A }>;

/** The decisions each scope can lead to, so that the sender's switch over them lists no impossible case. */
export interface ScopeDecisions {
  call: Exclude<Decision, { action: 'send' }>;
  record: Only<'retry' | 'give-up' | 'indeterminate' | 'fail'>;
  'split-budget': Only<'retry' | 'give-up'>;
  recovered: Only<'send' | 'indeterminate' | 'give-up'>;
}

/** Another attempt, if one is left: every retry that burns an attempt is decided here. */
function tryAgain(policy: RetryPolicy, input: DecisionInput, uncertain: boolean): Only<'retry' | 'give-up'> {
  if (!mayTryAgain(policy, input.attempts)) return { action: 'give-up', uncertain };
  return { action: 'retry', waitMs: backoffWait(policy, input.attempts, input.jitter), uncertain };
}

/** A whole call failed: the table's action for the record, with the policy's numbers filled in. */
function afterCall(policy: RetryPolicy, input: DecisionInput<'call'>): ScopeDecisions['call'] {
  const { failure, kind, now } = input;
  const applied = failure.applied ?? (failure.category === 'indeterminate' ? 'indeterminate' : 'not-applied');
  const action = FAILURE_ACTIONS[policyRow(failure.category, applied)][kind];
  switch (action) {
    case 'pause': {
      const wait = Math.min(failure.retryAfterMs ?? policy.pauses.throttleMs, policy.pauses.throttleMs);
      return { action: 'pause', untilMs: now + wait };
    }
    case 'park':
      return { action: 'park', untilMs: nextMidnight(now, policy.pauses.quotaResetTimeZone) };
    case 'stop':
      return { action: 'stop', forMs: policy.pauses.authMs };
    case 'split':
      return { action: 'split' };
    case 'dead-letter':
      return { action: 'fail' };
    case 'indeterminate':
      return { action: 'indeterminate' };
    case 'hold':
      return { action: 'hand-back', uncertain: false, waitMs: policy.pauses.authMs };
    case 'retry':
    case 'resend-checked': {
      const uncertain = action === 'resend-checked';
      // The abandoned request may still be applied: nothing of it is sent before it no longer can be.
      const floor = applied === 'indeterminate' ? policy.pauses.abandonedApplyMs : 0;
      if (input.stopping) return { action: 'hand-back', uncertain, waitMs: floor };
      const next = tryAgain(policy, input, uncertain);
      return next.action === 'retry' ? { ...next, waitMs: Math.max(next.waitMs, floor) } : next;
    }
  }
}

/** One record's result was FAILED in an answer (see {@link FAILURE_SCOPES}). */
function afterRecord(policy: RetryPolicy, input: DecisionInput<'record'>): ScopeDecisions['record'] {
  const { category } = input.failure;
  if (category === 'indeterminate') {
    const action = FAILURE_ACTIONS.indeterminate[input.kind];
    if (action === 'indeterminate') return { action: 'indeterminate' };
    return tryAgain(policy, input, action === 'resend-checked');
  }
  // Marketo could not apply it this time (e.g. SOAP 20106 Lead Sync Failed): a try more, no more.
  if ((category === 'transient' || category === 'throttle') && input.attempts < policy.recordRetryAttempts)
    return tryAgain(policy, input, false);
  return { action: 'fail' };
}

/** The batch was recovered by the sweeper (see {@link FAILURE_SCOPES}). */
function afterRecovery(policy: RetryPolicy, input: DecisionInput<'recovered'>): ScopeDecisions['recovered'] {
  const { kind } = input;
  if (FAILURE_ACTIONS.indeterminate[kind] === 'indeterminate') return { action: 'indeterminate' };
  // The sweeper burnt the attempt that ended without an answer: `attempts` counts it already.
  return mayTryAgain(policy, input.attempts - 1)
    ? { action: 'send' }
    : { action: 'give-up', uncertain: kind === 'checked-create' };
}

/**
 * The retry policy's decision for one record after a failure: a pure function of the failure, the
 * record's kind and its attempts (table-tested in test/unit/retry-decision.test.ts).
 */
export function decide<S extends FailureScope>(
  policy: RetryPolicy,
  input: DecisionInput<S>,
): ScopeDecisions[S] {
  const scoped = input as DecisionInput;
  switch (scoped.failure.scope) {
    case 'call':
      return afterCall(policy, scoped as DecisionInput<'call'>) as ScopeDecisions[S];
    case 'record':
      return afterRecord(policy, scoped as DecisionInput<'record'>) as ScopeDecisions[S];
    case 'split-budget':
      return tryAgain(policy, scoped, false) as ScopeDecisions[S];
    case 'recovered':
      return afterRecovery(policy, scoped as DecisionInput<'recovered'>) as ScopeDecisions[S];
  }
}
