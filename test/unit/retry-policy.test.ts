import { describe, expect, it } from 'vitest';
import { readWorkerSettings } from '../../src/config.js';
import {
  compileRetryPolicy,
  RETRY_POLICY_DEFAULTS,
  RetryPolicyError,
  retryPolicyOf,
} from '../../src/worker/retry-policy.js';

describe('compileRetryPolicy', () => {
  it('fills every field left out with its default, and freezes the value', () => {
    const policy = compileRetryPolicy({ maxAttempts: 3, backoff: { baseMs: 10 } });
    expect(policy).toEqual({
      ...RETRY_POLICY_DEFAULTS,
      maxAttempts: 3,
      backoff: { ...RETRY_POLICY_DEFAULTS.backoff, baseMs: 10 },
    });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.backoff)).toBe(true);
    expect(Object.isFrozen(policy.pauses)).toBe(true);
  });

  it.each([
    [{ maxAttempts: 0 }, 'RetryPolicy.maxAttempts (MKTSYNC_MAX_ATTEMPTS) must be at least 1, not 0'],
    [{ maxAttempts: 1.5 }, 'RetryPolicy.maxAttempts (MKTSYNC_MAX_ATTEMPTS) must be a whole number, not 1.5'],
    [
      { backoff: { baseMs: -1 } },
      'RetryPolicy.backoff.baseMs (MKTSYNC_BACKOFF_BASE_MS) must be at least 0, not -1',
    ],
    [
      { backoff: { maxMs: Number.NaN } },
      'RetryPolicy.backoff.maxMs (MKTSYNC_BACKOFF_MAX_MS) must be a whole number, not NaN',
    ],
    [{ backoff: { jitter: 2 } }, 'RetryPolicy.backoff.jitter must be a number from 0 to 1, not 2'],
    [
      { splitCallBudget: -3 },
      'RetryPolicy.splitCallBudget (MKTSYNC_SPLIT_CALL_BUDGET) must be at least 0, not -3',
    ],
    [{ recordRetryAttempts: -1 }, 'RetryPolicy.recordRetryAttempts must be at least 0, not -1'],
    [
      { pauses: { throttleMs: 0 } },
      'RetryPolicy.pauses.throttleMs (MKTSYNC_RATE_WINDOW_MS) must be at least 1, not 0',
    ],
    [
      { pauses: { authMs: 0 } },
      'RetryPolicy.pauses.authMs (MKTSYNC_AUTH_PAUSE_MS) must be at least 1, not 0',
    ],
    [
      { pauses: { quotaResetTimeZone: 'Mars/Olympus' } },
      'RetryPolicy.pauses.quotaResetTimeZone must be an IANA time zone, not Mars/Olympus',
    ],
  ])('refuses %j naming the field and why', (options, message) => {
    expect(() => compileRetryPolicy(options)).toThrow(RetryPolicyError);
    expect(() => compileRetryPolicy(options)).toThrow(message);
  });

  it('a worker reads its policy from its settings, defaults included', () => {
    expect(retryPolicyOf(readWorkerSettings({}))).toEqual(RETRY_POLICY_DEFAULTS);
    const policy = retryPolicyOf(
      readWorkerSettings({
        MKTSYNC_MAX_ATTEMPTS: '2',
        MKTSYNC_BACKOFF_BASE_MS: '5',
        MKTSYNC_BACKOFF_MAX_MS: '50',
        MKTSYNC_SPLIT_CALL_BUDGET: '4',
        MKTSYNC_RATE_WINDOW_MS: '7000',
        MKTSYNC_AUTH_PAUSE_MS: '9000',
      }),
    );
    expect(policy).toMatchObject({
      maxAttempts: 2,
      backoff: { baseMs: 5, maxMs: 50, jitter: 1 },
      splitCallBudget: 4,
      recordRetryAttempts: 1,
      pauses: { throttleMs: 7_000, authMs: 9_000, quotaResetTimeZone: 'America/Chicago' },
    });
  });
});
