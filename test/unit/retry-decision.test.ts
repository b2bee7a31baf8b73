import { describe, expect, it } from 'vitest';
import { CALL_APPLIED, CALL_ERROR_CATEGORIES } from '../../src/transport/contract.js';
import type { CallApplied, CallErrorCategory } from '../../src/transport/contract.js';
import type { DeliveryKind } from '../../src/worker/delivery-policy.js';
import { decide, FAILURE_SCOPES, type Decision, type FailureScope } from '../../src/worker/retry-decision.js';
import { compileRetryPolicy } from '../../src/worker/retry-policy.js';

/**
 * The retry decision as a table: failure (scope, category, applied) × record kind × attempts burnt →
 * action and wait. Pure: no Redis, no clock (a fixed `now`), no randomness (a fixed jitter sample).
 */

const KINDS: readonly DeliveryKind[] = ['idempotent', 'checked-create', 'create'];
// Noon UTC on 2026-12-07: the next midnight in Chicago (UTC-6 in December) is 06:00 UTC on the 8th.
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const CHICAGO_MIDNIGHT = Date.UTC(2026, 11, 8, 6, 0, 0);

// The table's policy lets an abandoned request go again at once (its bound is tested on its own below).
const policy = (maxAttempts = 3, abandonedApplyMs = 0) =>
  compileRetryPolicy({
    maxAttempts,
    backoff: { baseMs: 100, maxMs: 1_000 },
    pauses: { throttleMs: 5_000, authMs: 60_000, abandonedApplyMs },
  });

interface Row {
  scope: FailureScope;
  category: CallErrorCategory;
  applied?: CallApplied;
  kind: DeliveryKind;
  attempts: number;
  stopping?: boolean;
  retryAfterMs?: number;
  maxAttempts?: number;
  expected: Decision;
}

// Waits with a jitter sample of 0.5 and full jitter: half the ceiling min(1000, 100 · 2^attempts).
const retry = (waitMs: number, uncertain = false): Decision => ({ action: 'retry', waitMs, uncertain });
const giveUp = (uncertain = false): Decision => ({ action: 'give-up', uncertain });
const handBack = (uncertain = false, waitMs = 0): Decision => ({ action: 'hand-back', uncertain, waitMs });

const TABLE: Row[] = [
  // A whole call failed, known not applied: every kind may go again, within the attempts.
  { scope: 'call', category: 'transient', kind: 'idempotent', attempts: 0, expected: retry(50) },
  { scope: 'call', category: 'transient', kind: 'create', attempts: 1, expected: retry(100) },
  { scope: 'call', category: 'transient', kind: 'checked-create', attempts: 2, expected: giveUp() },
  { scope: 'call', category: 're-auth', kind: 'create', attempts: 0, expected: retry(50) },
  {
    scope: 'call',
    category: 'transient',
    kind: 'idempotent',
    attempts: 6,
    maxAttempts: 8,
    expected: retry(500),
  },
  // The call may have been applied: only what is safe twice goes again, and a checked create with doubt.
  { scope: 'call', category: 'indeterminate', kind: 'idempotent', attempts: 0, expected: retry(50) },
  {
    scope: 'call',
    category: 'indeterminate',
    kind: 'checked-create',
    attempts: 0,
    expected: retry(50, true),
  },
  {
    scope: 'call',
    category: 'indeterminate',
    kind: 'create',
    attempts: 0,
    expected: { action: 'indeterminate' },
  },
  { scope: 'call', category: 'indeterminate', kind: 'idempotent', attempts: 2, expected: giveUp() },
  { scope: 'call', category: 'indeterminate', kind: 'checked-create', attempts: 2, expected: giveUp(true) },
  // `applied` chooses the row whatever the category says.
  {
    scope: 'call',
    category: 'transient',
    applied: 'indeterminate',
    kind: 'create',
    attempts: 0,
    expected: { action: 'indeterminate' },
  },
  {
    scope: 'call',
    category: 'indeterminate',
    applied: 'not-sent',
    kind: 'create',
    attempts: 0,
    expected: retry(50),
  },
  // Waits that burn no attempt, whatever the attempts.
  {
    scope: 'call',
    category: 'throttle',
    kind: 'create',
    attempts: 2,
    retryAfterMs: 20_000,
    expected: { action: 'pause', untilMs: NOW + 5_000 },
  },
  {
    scope: 'call',
    category: 'throttle',
    kind: 'idempotent',
    attempts: 0,
    retryAfterMs: 1_000,
    expected: { action: 'pause', untilMs: NOW + 1_000 },
  },
  {
    scope: 'call',
    category: 'throttle',
    kind: 'idempotent',
    attempts: 0,
    expected: { action: 'pause', untilMs: NOW + 5_000 },
  },
  {
    scope: 'call',
    category: 'quota',
    kind: 'checked-create',
    attempts: 2,
    expected: { action: 'park', untilMs: CHICAGO_MIDNIGHT },
  },
  {
    scope: 'call',
    category: 'auth',
    kind: 'idempotent',
    attempts: 2,
    expected: { action: 'stop', forMs: 60_000 },
  },
  {
    scope: 'call',
    category: 'invalid-request',
    kind: 'idempotent',
    attempts: 0,
    expected: { action: 'fail' },
  },
  { scope: 'call', category: 'invalid-record', kind: 'create', attempts: 2, expected: { action: 'split' } },
  // A stopping worker hands back what may be resent, burning nothing; a create in doubt stays surfaced.
  {
    scope: 'call',
    category: 'transient',
    kind: 'idempotent',
    attempts: 2,
    stopping: true,
    expected: handBack(),
  },
  {
    scope: 'call',
    category: 'indeterminate',
    kind: 'checked-create',
    attempts: 0,
    stopping: true,
    expected: handBack(true),
  },
  {
    scope: 'call',
    category: 'indeterminate',
    kind: 'create',
    attempts: 0,
    stopping: true,
    expected: { action: 'indeterminate' },
  },
  // One record's result in an answer.
  {
    scope: 'record',
    category: 'invalid-record',
    kind: 'idempotent',
    attempts: 0,
    expected: { action: 'fail' },
  },
  { scope: 'record', category: 'transient', kind: 'idempotent', attempts: 0, expected: retry(50) },
  { scope: 'record', category: 'throttle', kind: 'create', attempts: 0, expected: retry(50) },
  { scope: 'record', category: 'transient', kind: 'idempotent', attempts: 1, expected: { action: 'fail' } },
  // The per-record extra try is bounded by MKTSYNC_MAX_ATTEMPTS too (it was not).
  {
    scope: 'record',
    category: 'transient',
    kind: 'idempotent',
    attempts: 0,
    maxAttempts: 1,
    expected: giveUp(),
  },
  { scope: 'record', category: 're-auth', kind: 'idempotent', attempts: 0, expected: { action: 'fail' } },
  // An undocumented record status (issue 19 point 3): resent within the attempts, then given up.
  { scope: 'record', category: 'indeterminate', kind: 'idempotent', attempts: 1, expected: retry(100) },
  { scope: 'record', category: 'indeterminate', kind: 'idempotent', attempts: 2, expected: giveUp() },
  {
    scope: 'record',
    category: 'indeterminate',
    kind: 'checked-create',
    attempts: 0,
    expected: retry(50, true),
  },
  { scope: 'record', category: 'indeterminate', kind: 'checked-create', attempts: 2, expected: giveUp(true) },
  {
    scope: 'record',
    category: 'indeterminate',
    kind: 'create',
    attempts: 0,
    expected: { action: 'indeterminate' },
  },
  {
    scope: 'record',
    category: 'indeterminate',
    kind: 'idempotent',
    attempts: 0,
    stopping: true,
    expected: retry(50),
  },
  // Records an isolation could not decide within its budget.
  { scope: 'split-budget', category: 'invalid-record', kind: 'create', attempts: 0, expected: retry(50) },
  { scope: 'split-budget', category: 'invalid-record', kind: 'idempotent', attempts: 2, expected: giveUp() },
  // A batch the sweeper recovered: its lost attempt is already counted in `attempts`.
  {
    scope: 'recovered',
    category: 'indeterminate',
    kind: 'create',
    attempts: 1,
    expected: { action: 'indeterminate' },
  },
  {
    scope: 'recovered',
    category: 'indeterminate',
    kind: 'idempotent',
    attempts: 2,
    expected: { action: 'send' },
  },
  { scope: 'recovered', category: 'indeterminate', kind: 'idempotent', attempts: 3, expected: giveUp() },
  {
    scope: 'recovered',
    category: 'indeterminate',
    kind: 'checked-create',
    attempts: 3,
    expected: giveUp(true),
  },
];

describe('the retry decision', () => {
  it.each(TABLE)(
    '$scope $category ($applied) × $kind after $attempts attempts (stopping: $stopping) → $expected.action',
    (row) => {
      const decision = decide(policy(row.maxAttempts), {
        failure: {
          scope: row.scope,
          category: row.category,
          ...(row.applied ? { applied: row.applied } : {}),
          ...(row.retryAfterMs !== undefined ? { retryAfterMs: row.retryAfterMs } : {}),
        },
        kind: row.kind,
        attempts: row.attempts,
        stopping: row.stopping ?? false,
        now: NOW,
        jitter: 0.5,
      });
      expect(decision).toEqual(row.expected);
    },
  );

  it('MKTSYNC_MAX_ATTEMPTS bounds every retry: no failure on the last attempt is retried, in any scope', () => {
    const seen = new Set<string>();
    for (const maxAttempts of [1, 2, 8]) {
      const bounded = policy(maxAttempts);
      for (const scope of FAILURE_SCOPES)
        for (const category of CALL_ERROR_CATEGORIES)
          for (const applied of CALL_APPLIED)
            for (const kind of KINDS) {
              // The last attempt: the one that failed (or, recovered, the one the sweeper counted).
              const attempts = scope === 'recovered' ? maxAttempts : maxAttempts - 1;
              const { action } = decide(bounded, {
                failure: { scope, category, applied },
                kind,
                attempts,
                stopping: false,
                now: NOW,
                jitter: 0.5,
              });
              seen.add(action);
              expect(['retry', 'send'], `${scope} ${category} ${applied} ${kind}`).not.toContain(action);
            }
    }
    expect(seen).toContain('give-up');
  });

  it('each scope leads only to its own decisions', () => {
    const allowed: Record<FailureScope, readonly Decision['action'][]> = {
      call: ['pause', 'park', 'stop', 'split', 'fail', 'retry', 'give-up', 'indeterminate', 'hand-back'],
      record: ['retry', 'give-up', 'indeterminate', 'fail'],
      'split-budget': ['retry', 'give-up'],
      recovered: ['send', 'indeterminate', 'give-up'],
    };
    const p = policy();
    for (const scope of FAILURE_SCOPES)
      for (const category of CALL_ERROR_CATEGORIES)
        for (const applied of CALL_APPLIED)
          for (const kind of KINDS)
            for (const attempts of [0, 1, 2, 3])
              for (const stopping of [false, true]) {
                const { action } = decide(p, {
                  failure: { scope, category, applied },
                  kind,
                  attempts,
                  stopping,
                  now: NOW,
                  jitter: 0.5,
                });
                expect(allowed[scope]).toContain(action);
              }
  });

  it('a call that may still be applied (abandoned) is not sent again before pauses.abandonedApplyMs', () => {
    const decideWith = (
      applied: CallApplied,
      attempts: number,
      stopping = false,
      kind: DeliveryKind = 'idempotent',
    ) =>
      decide(policy(8, 7_000), {
        failure: { scope: 'call', category: 'transient', applied },
        kind,
        attempts,
        stopping,
        now: NOW,
        jitter: 0.5,
      });
    // Abandoned: the bound, whatever the backoff would be (unless the backoff is longer).
    expect(decideWith('indeterminate', 0)).toEqual(retry(7_000));
    expect(decideWith('indeterminate', 0, false, 'checked-create')).toEqual(retry(7_000, true));
    expect(decideWith('indeterminate', 0, true)).toEqual(handBack(false, 7_000));
    expect(decideWith('indeterminate', 0, true, 'checked-create')).toEqual(handBack(true, 7_000));
    expect(decideWith('indeterminate', 7)).toEqual(giveUp());
    const longBackoff = compileRetryPolicy({
      maxAttempts: 20,
      backoff: { baseMs: 100, maxMs: 100_000 },
      pauses: { abandonedApplyMs: 7_000 },
    });
    const long = decide(longBackoff, {
      failure: { scope: 'call', category: 'transient', applied: 'indeterminate' },
      kind: 'idempotent',
      attempts: 10,
      stopping: false,
      now: NOW,
      jitter: 0.5,
    });
    expect(long).toEqual(retry(50_000));
    // Known not applied (nothing left behind to land later): the backoff alone.
    expect(decideWith('not-applied', 0)).toEqual(retry(50));
    expect(decideWith('not-sent', 0)).toEqual(retry(50));
    expect(decideWith('not-sent', 0, true)).toEqual(handBack());
    // An answer that says a record is indeterminate came back whole: no request is left to land.
    expect(
      decide(policy(8, 7_000), {
        failure: { scope: 'record', category: 'indeterminate' },
        kind: 'idempotent',
        attempts: 0,
        stopping: false,
        now: NOW,
        jitter: 0.5,
      }),
    ).toEqual(retry(50));
  });

  it('the backoff doubles up to its maximum; jitter draws that share of it at random', () => {
    const wait = (attempts: number, jitter: number, sample: number) => {
      const p = compileRetryPolicy({ maxAttempts: 50, backoff: { baseMs: 100, maxMs: 1_000, jitter } });
      const d = decide(p, {
        failure: { scope: 'call', category: 'transient' },
        kind: 'idempotent',
        attempts,
        stopping: false,
        now: NOW,
        jitter: sample,
      });
      return d.action === 'retry' ? d.waitMs : NaN;
    };
    expect([0, 1, 2, 3, 4, 40].map((a) => wait(a, 0, 0.9))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([0, 1, 4].map((a) => wait(a, 1, 0))).toEqual([0, 0, 0]);
    expect(wait(3, 0.5, 0)).toBe(400);
    expect(wait(3, 0.5, 0.999)).toBeLessThanOrEqual(800);
  });
});
