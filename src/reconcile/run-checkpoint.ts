import type { Cluster, Redis } from 'ioredis';
import { MAX_STAMP } from './fingerprint-store.js';
import type { ReconcileKeys } from './reconcile-keys.js';
import type { RunData, RunSummary } from './run-types.js';

type RedisLike = Redis | Cluster;

/** How long a run's checkpoint and lists outlive their last write. */
export const RUN_TTL_S = 7 * 86_400;

/** The row counters a run checkpoints with every chunk. */
export const RUN_COUNTERS = ['read', 'unchanged', 'changed', 'new', 'refused', 'enqueued'] as const;
export type RunCounters = Record<(typeof RUN_COUNTERS)[number], number>;

/**
 * A run's checkpoint: the typed view of its hash (`keys.run(id)`), read once when the run starts or
 * resumes. The hash stays the record: each phase writes its fields there and updates this view beside.
 * The outcome counts (`confirmed`, `failed`) are written by the outcome script, so they are read from
 * the hash when reported, not kept here.
 */
export interface RunCheckpoint {
  /** The set's run number (1…{@link MAX_STAMP}), stamped on the fingerprints this run sees. */
  stamp: number;
  /** Epoch ms the run first started. */
  startedAt: number;
  /** Times the run was resumed, this time included. */
  resumed: number;
  /** Last source line checkpointed. */
  line: number;
  counters: RunCounters;
  /** Where the diff runs, decided once per run (undefined until the reading phase decides). */
  diff?: 'memory' | 'redis';
  /** The source's identity when the run started: a resumed run refuses a source that changed. */
  identity?: string;
  /** Records of the set absent from the export, once counted (memory diff). */
  absent?: number;
  /** The whole source was read and checkpointed. */
  readDone: boolean;
  /** The summary is written: only the clean-up is left. */
  finalized: boolean;
  summary?: RunSummary;
}

/** The typed view of a checkpoint hash; null when the run has none (it has not started). */
export function parseCheckpoint(h: Readonly<Record<string, string>>): RunCheckpoint | null {
  if (h.stamp === undefined) return null;
  const checkpoint: RunCheckpoint = {
    stamp: Number(h.stamp),
    startedAt: Number(h.startedAt),
    resumed: Number(h.resumed ?? 0),
    line: Number(h.line),
    counters: Object.fromEntries(RUN_COUNTERS.map((c) => [c, Number(h[c] ?? 0)])) as RunCounters,
    readDone: h.read_done === '1',
    finalized: h.finalized === '1',
  };
  if (h.diff === 'memory' || h.diff === 'redis') checkpoint.diff = h.diff;
  if (h.identity !== undefined) checkpoint.identity = h.identity;
  if (h.absent !== undefined) checkpoint.absent = Number(h.absent);
  if (h.summary !== undefined) checkpoint.summary = JSON.parse(h.summary) as RunSummary;
  return checkpoint;
}

/**
 * The checkpoint of run `id`: a fresh run takes the set's next stamp and writes its start; a resumed
 * one counts the resumption. `resumed` says which it was.
 */
export async function openCheckpoint(
  redis: RedisLike,
  keys: ReconcileKeys,
  id: string,
  data: RunData,
): Promise<{ checkpoint: RunCheckpoint; resumed: boolean }> {
  const runKey = keys.run(id);
  const found = parseCheckpoint(await redis.hgetall(runKey));
  if (found) {
    await redis.hincrby(runKey, 'resumed', 1);
    found.resumed += 1;
    return { checkpoint: found, resumed: true };
  }
  const runs = await redis
    .multi()
    .hset(keys.set(data.set), 'kind', data.kind)
    .hincrby(keys.set(data.set), 'runs', 1)
    .sadd(keys.sets, data.set)
    .exec();
  const stamp = ((Number(runs![1]![1]) - 1) % MAX_STAMP) + 1;
  await redis
    .multi()
    .hset(runKey, { stamp, line: 0, startedAt: Date.now(), resumed: 0, confirmed: 0, failed: 0 })
    .expire(runKey, RUN_TTL_S)
    .exec();
  return { checkpoint: parseCheckpoint(await redis.hgetall(runKey))!, resumed: false };
}
