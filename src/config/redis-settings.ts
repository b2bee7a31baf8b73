import type { Env } from './config-error.js';
import { readWorkerSettings, type WorkerSettings } from './worker-settings.js';

/** Redis location, prefix and log level, shared by every command that talks to the buffer. */
export function readCommonRedis(
  env: Env,
): Pick<WorkerSettings, 'redisUrl' | 'redisClusterNodes' | 'prefix' | 'logLevel'> {
  const s = readWorkerSettings({
    ...Object.fromEntries(
      Object.entries(env).filter(([k]) =>
        ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'MKTSYNC_PREFIX', 'MKTSYNC_LOG_LEVEL'].includes(k),
      ),
    ),
  });
  const out: Pick<WorkerSettings, 'redisUrl' | 'redisClusterNodes' | 'prefix' | 'logLevel'> = {
    prefix: s.prefix,
    logLevel: s.logLevel,
  };
  if (s.redisUrl) out.redisUrl = s.redisUrl;
  if (s.redisClusterNodes) out.redisClusterNodes = s.redisClusterNodes;
  return out;
}

/** The Redis target of settings, for {@link connectRedis}. */
export function redisTarget(s: Pick<WorkerSettings, 'redisUrl' | 'redisClusterNodes'>): {
  url?: string;
  clusterNodes?: string[];
} {
  return {
    ...(s.redisUrl ? { url: s.redisUrl } : {}),
    ...(s.redisClusterNodes ? { clusterNodes: s.redisClusterNodes } : {}),
  };
}
