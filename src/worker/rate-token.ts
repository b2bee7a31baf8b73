import type { RedisBuffer } from '../buffer/buffer.js';

/** The shared rate limit: `rateLimit` calls per `rateWindowMs` across every worker (0 = off). */
export interface RateLimit {
  rateLimit: number;
  rateWindowMs: number;
}

/**
 * Takes one rate token of the shared limiter for a call outside a claim (a split call, another part of
 * a batch, a REST Describe request), waiting while the window is full; false when `stopping` aborted.
 */
export async function takeRateToken(
  buffer: RedisBuffer,
  limit: RateLimit,
  member: string,
  stopping?: AbortSignal,
): Promise<boolean> {
  for (;;) {
    if (stopping?.aborted) return false;
    const wait = await buffer.takeToken(
      { rateMax: limit.rateLimit, rateWindowMs: limit.rateWindowMs },
      member,
    );
    if (wait === 0) return !stopping?.aborted;
    // Waits at most a second at a time, so that a stopping worker notices soon.
    await new Promise((r) => setTimeout(r, Math.min(wait, 1_000)));
  }
}
