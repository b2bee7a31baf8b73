import type { Cluster, Redis } from 'ioredis';
import type { ReconcileStatus } from '../metrics/reconcile-metrics.js';
import { reconcileKeys } from './reconcile-keys.js';
import type { RunSummary } from './run-types.js';
import { listSchedules } from './schedules.js';
import { readAllSets } from './set-meta.js';

/**
 * The state of every reconcile set and schedule under `prefix`, as the metrics show it (read at
 * scrape time; the same from every worker).
 */
export async function readReconcileStatus(redis: Redis | Cluster, prefix: string): Promise<ReconcileStatus> {
  const keys = reconcileKeys(prefix);
  const [sets, schedules, summaries] = await Promise.all([
    readAllSets(redis, keys),
    listSchedules(null, redis, prefix),
    redis
      .smembers(keys.sets)
      .then((names) =>
        Promise.all(names.map(async (n) => [n, await redis.hget(keys.set(n), 'lastSummary')] as const)),
      ),
  ]);
  const lastRuns = summaries.flatMap(([set, raw]) =>
    raw ? [{ set, counts: JSON.parse(raw) as RunSummary }] : [],
  );
  return { sets, schedules, lastRuns };
}
