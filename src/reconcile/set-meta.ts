import type { Cluster, Redis } from 'ioredis';
import { defineScripts } from '../buffer/lua-loader.js';
import type { ReconcileKeys } from './reconcile-keys.js';
import { RECONCILE_SCRIPTS } from './reconcile-scripts.js';

type RedisLike = Redis | Cluster;

/** What is known of a reconcile set, from its metadata hash. */
export interface SetMeta {
  name: string;
  kind: 'leads' | 'mobjects' | undefined;
  /** Bucket count and generation of its fingerprint store; 0 buckets before its first run. */
  buckets: number;
  generation: number;
  tracked: number;
  absent: number;
  /** Stamp of the last completed run (records not carrying it were absent from that run). */
  lastStamp: number;
  /** Whether the last run marked the records absent from it (else it stamped the ones it saw). */
  absentMarked: boolean;
  lastRun: string | null;
  /** Epoch ms of the last completed run, or null. */
  lastSuccessAt: number | null;
  lastDurationMs: number | null;
  /** Rows by result over every completed run. */
  rows: Record<string, number>;
}

export async function readSetMeta(redis: RedisLike, keys: ReconcileKeys, name: string): Promise<SetMeta> {
  const h = await redis.hgetall(keys.set(name));
  const num = (field: string): number => Number(h[field] ?? 0);
  return {
    name,
    kind: h.kind as SetMeta['kind'],
    buckets: num('buckets'),
    generation: num('gen'),
    tracked: num('tracked'),
    absent: num('absent'),
    lastStamp: num('lastStamp'),
    absentMarked: h.absentMarked === '1',
    lastRun: h.lastRun ?? null,
    lastSuccessAt: h.lastSuccessAt ? Number(h.lastSuccessAt) : null,
    lastDurationMs: h.lastDurationMs ? Number(h.lastDurationMs) : null,
    rows: Object.fromEntries(
      Object.entries(h)
        .filter(([k]) => k.startsWith('rows:'))
        .map(([k, v]) => [k.slice(5), Number(v)]),
    ),
  };
}

/** Every set's metadata. */
export async function readAllSets(redis: RedisLike, keys: ReconcileKeys): Promise<SetMeta[]> {
  const names = (await redis.smembers(keys.sets)).sort();
  return Promise.all(names.map((n) => readSetMeta(redis, keys, n)));
}

/**
 * Takes or renews a set's lock for run `id` (one run per set at a time: two would stamp and commit
 * over each other). Returns null when taken, else the run that holds it.
 */
export async function takeSetLock(
  redis: RedisLike,
  keys: ReconcileKeys,
  set: string,
  id: string,
  ttlMs: number,
): Promise<string | null> {
  defineScripts(redis, RECONCILE_SCRIPTS);
  const holder = await redis.mktRcTakeLock(keys.lock(set), id, ttlMs);
  return holder === '' ? null : holder;
}

export async function releaseSetLock(
  redis: RedisLike,
  keys: ReconcileKeys,
  set: string,
  id: string,
): Promise<void> {
  defineScripts(redis, RECONCILE_SCRIPTS);
  await redis.mktRcReleaseLock(keys.lock(set), id);
}
