import { z } from 'zod';
import { blankless, ConfigError, int, schemaError, type Env } from './config-error.js';
import { readCommonRedis } from './redis-settings.js';
import type { WorkerSettings } from './worker-settings.js';

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

export const ingestEnvSchema = z.object({
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
  const parsed = ingestEnvSchema.safeParse(blankless(env));
  if (!parsed.success) throw schemaError(parsed.error);
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

export const idempotencyEnvSchema = z.object({
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
  if (!parsed.success) throw schemaError(parsed.error);
  return parsed.data.MKTSYNC_IDEMPOTENCY_WINDOW_S;
}
