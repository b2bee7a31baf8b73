import { z } from 'zod';
import { blankless, int, schemaError, type Env } from './config-error.js';

/** Settings of the operator console (`mktsync console`, or the worker's HTTP port) and its indexes. */
export interface ConsoleSettings {
  /** `MKTSYNC_CONSOLE_TOKEN`: the console's own token (a secret); without it the console is off. */
  token?: string;
  /** `MKTSYNC_CONSOLE_WRITE=on`: redrive, resolve, run and cancel from the console (default off: read-only). */
  write: boolean;
  /** `MKTSYNC_CONSOLE_PORT` (default 9470; 0 picks one) and `MKTSYNC_CONSOLE_HOST` (default 127.0.0.1). */
  port: number;
  host: string;
  /** `MKTSYNC_CONSOLE_ON_WORKER=on`: the worker also serves the console under /console on its HTTP port. */
  onWorker: boolean;
  /** `MKTSYNC_CONSOLE_INDEX_RETENTION_S`: how long a record stays findable by status, code, field or id (default 604800). */
  indexRetentionSec: number;
  /** `MKTSYNC_CONSOLE_INDEX_MAX`: most records the search indexes hold (default 1000000; 0 = no indexes). */
  indexMax: number;
}

export const consoleEnvSchema = z.object({
  MKTSYNC_CONSOLE_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MKTSYNC_CONSOLE_WRITE: z.enum(['on', 'off']).default('off'),
  MKTSYNC_CONSOLE_PORT: int(0).max(65535).default(9470),
  MKTSYNC_CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  MKTSYNC_CONSOLE_ON_WORKER: z.enum(['on', 'off']).default('off'),
  MKTSYNC_CONSOLE_INDEX_RETENTION_S: int(60).default(604_800),
  MKTSYNC_CONSOLE_INDEX_MAX: int(0).max(100_000_000).default(1_000_000),
});

/** Reads the console settings; throws {@link ConfigError} naming each bad variable. */
export function readConsoleSettings(env: Env): ConsoleSettings {
  const parsed = consoleEnvSchema.safeParse(blankless(env));
  if (!parsed.success) throw schemaError(parsed.error);
  const e = parsed.data;
  const settings: ConsoleSettings = {
    write: e.MKTSYNC_CONSOLE_WRITE === 'on',
    port: e.MKTSYNC_CONSOLE_PORT,
    host: e.MKTSYNC_CONSOLE_HOST,
    onWorker: e.MKTSYNC_CONSOLE_ON_WORKER === 'on',
    indexRetentionSec: e.MKTSYNC_CONSOLE_INDEX_RETENTION_S,
    indexMax: e.MKTSYNC_CONSOLE_INDEX_MAX,
  };
  // Not enumerable: JSON.stringify, util.inspect and object spreads leave the secret out.
  if (e.MKTSYNC_CONSOLE_TOKEN)
    Object.defineProperty(settings, 'token', { value: e.MKTSYNC_CONSOLE_TOKEN, enumerable: false });
  return Object.freeze(settings);
}
