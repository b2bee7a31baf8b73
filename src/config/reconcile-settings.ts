import { z } from 'zod';
import { blankless, int, schemaError, type Env } from './config-error.js';

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

export const reconcileEnvSchema = z.object({
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
  const parsed = reconcileEnvSchema.safeParse(blankless(env));
  if (!parsed.success) throw schemaError(parsed.error);
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
