import type { Cluster, Redis } from 'ioredis';
import { RedisBuffer } from '../buffer/buffer.js';
import type { ConsoleSettings, WorkerSettings } from '../config.js';
import type { Logger } from '../log.js';
import { consoleKeys } from './console-keys.js';
import { createConsoleHandler, type ConsoleHandler } from './console-server.js';
import { DEFAULT_INSTANCE, type ConsoleInstance } from './instance.js';

/** The console's view of the one instance a deployment configured as today serves. */
export function instanceOf(buffer: RedisBuffer, settings: WorkerSettings): ConsoleInstance {
  return {
    name: DEFAULT_INSTANCE,
    buffer,
    dailyQuota: settings.dailyQuota,
    rateLimit: settings.rateLimit,
    rateWindowMs: settings.rateWindowMs,
    outcomeRetentionSec: settings.outcomeRetentionSec,
    outcomeStreamMaxLen: settings.outcomeStreamMaxLen,
  };
}

/** Writes the index bounds the settle script reads (the last worker started wins; all share one config). */
export async function publishIndexSettings(buffer: RedisBuffer, settings: ConsoleSettings): Promise<void> {
  await buffer.redis.hset(consoleKeys(buffer.keys.base).cfg, {
    retention: settings.indexRetentionSec,
    max: settings.indexMax,
  });
}

/**
 * What a worker does for the console: publishes the index bounds and, with `MKTSYNC_CONSOLE_ON_WORKER=on`
 * and a token, returns the handler its HTTP port serves under /console.
 */
export async function workerConsole(
  buffer: RedisBuffer,
  settings: WorkerSettings,
  consoleSettings: ConsoleSettings,
  log: Logger,
): Promise<ConsoleHandler | null> {
  await publishIndexSettings(buffer, consoleSettings);
  if (!consoleSettings.onWorker) return null;
  if (!consoleSettings.token) {
    log.warn('MKTSYNC_CONSOLE_ON_WORKER=on but MKTSYNC_CONSOLE_TOKEN is not set: the console stays off');
    return null;
  }
  return createConsoleHandler({
    instances: [instanceOf(buffer, settings)],
    token: consoleSettings.token,
    write: consoleSettings.write,
    log,
  });
}

/**
 * What `mktsync worker` hands `startWorker`: after publishing the index bounds, the console as extra
 * routes under /console when it is on (none otherwise).
 */
export async function workerConsoleRoutes(
  redis: Redis | Cluster,
  settings: WorkerSettings,
  consoleSettings: ConsoleSettings,
  log: Logger,
): Promise<{ routes?: { prefix: string; handle: ConsoleHandler } }> {
  const handle = await workerConsole(new RedisBuffer(redis, settings.prefix), settings, consoleSettings, log);
  return handle ? { routes: { prefix: '/console', handle } } : {};
}
