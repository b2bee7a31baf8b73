import type { RedisBuffer } from '../buffer/buffer.js';

/**
 * One Marketo instance as the console sees it: its buffer (and so its Redis keys) and the limits its
 * pages compare against. Today a deployment serves one instance; the routes already carry its name, so
 * the picker lists more once a deployment serves several.
 */
export interface ConsoleInstance {
  /** URL-safe name (letters, digits, `._-`), shown in the picker and every route. */
  name: string;
  buffer: RedisBuffer;
  dailyQuota: number;
  rateLimit: number;
  rateWindowMs: number;
  /** Outcome retention and stream length, for outcomes the console writes (a confirmed create). */
  outcomeRetentionSec: number;
  outcomeStreamMaxLen: number;
}

/** The name of the one instance of a deployment configured as today. */
export const DEFAULT_INSTANCE = 'default';

export const INSTANCE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
