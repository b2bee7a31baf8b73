import { Redis, Cluster, type RedisOptions } from 'ioredis';

/** How to reach Redis: a URL (`redis://`, `rediss://`), or cluster seed nodes. */
export interface RedisTarget {
  /** e.g. `redis://localhost:6379`. */
  url?: string;
  /** Redis Cluster seed nodes as `host:port`; used instead of `url` when given. */
  clusterNodes?: string[];
}

/**
 * A connection for a role: `worker` waits through Redis outages (commands queue and retry), `producer`
 * fails fast so that callers learn at once that a change was not accepted.
 */
export function connectRedis(target: RedisTarget, role: 'worker' | 'producer'): Redis | Cluster {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  options.lazyConnect = false;
  let client: Redis | Cluster;
  if (target.clusterNodes && target.clusterNodes.length > 0) {
    client = new Cluster(
      target.clusterNodes.map((n) => {
        const [host, port] = n.split(':');
        return { host: host!, port: Number(port) };
      }),
      { redisOptions: options, enableOfflineQueue: options.enableOfflineQueue! },
    );
  } else {
    client = new Redis(target.url ?? 'redis://127.0.0.1:6379', options);
  }
  // ioredis reconnects by itself; connection errors surface as command failures and in readiness.
  client.on('error', () => {});
  return client;
}

/** Resolves once the connection is ready, or rejects with why it is not. */
export async function waitReady(redis: Redis | Cluster, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready within ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error('Redis connection ended'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}
