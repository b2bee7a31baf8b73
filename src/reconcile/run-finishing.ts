import type { FingerprintStore } from './fingerprint-store.js';
import type { ActiveRun } from './run-context.js';
import type { RefusedRow, RunSummary } from './run-types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The confirming phase: waits for the outcomes of everything enqueued, committing the fingerprints of
 * the successes. Bounded by `confirmTimeoutMs`: what is still unknown then is sent again next run.
 */
export async function awaitOutcomes(run: ActiveRun, store: FingerprintStore): Promise<void> {
  const { deps, pending } = run;
  if (run.checkpoint.finalized || pending.pending.size === 0) return;
  const deadline = Date.now() + (deps.confirmTimeoutMs ?? 3_600_000);
  // The phase is reported as it starts: reading is over once the last chunk is checkpointed.
  await run.report('confirming');
  while (pending.pending.size > 0 && Date.now() < deadline) {
    await run.checkStop();
    await pending.confirm(store);
    if (pending.pending.size === 0) break;
    await run.renew();
    await run.report('confirming');
    await sleep(deps.confirmPollMs ?? 500);
  }
}

/**
 * The finishing phase: counts the set (and the records absent from the export), resizes its store
 * when it outgrew it, and writes the run's summary and the set's metadata in one transaction. Once
 * written (`finalized`), a repeat only reads the summary back.
 */
export async function finishRun(run: ActiveRun, store: FingerprintStore): Promise<RunSummary> {
  const { ctx, data, redis, keys, runKey, checkpoint } = run;
  await run.report('finishing');
  if (checkpoint.finalized) return checkpoint.summary!;
  const census =
    checkpoint.diff === 'memory'
      ? { tracked: await store.count(), absent: checkpoint.absent ?? 0 }
      : await store.census(checkpoint.stamp, data.full);
  let next = store;
  if (!store.fits(census.tracked)) next = await store.resize(census.tracked);
  const [confirmed, failed] = await redis.hmget(runKey, 'confirmed', 'failed');
  const refusedRows = (await redis.lrange(keys.refused(ctx.id), 0, 99)).map(
    (r) => JSON.parse(r) as RefusedRow,
  );
  const failedKeys = await redis.lrange(keys.failed(ctx.id), 0, 99);
  const finishedAt = Date.now();
  const { startedAt } = checkpoint;
  const summary: RunSummary = {
    run: ctx.id,
    set: data.set,
    kind: data.kind,
    source: data.source,
    full: data.full,
    diff: checkpoint.diff === 'memory' ? 'memory' : 'redis',
    ...checkpoint.counters,
    confirmed: Number(confirmed ?? 0),
    failed: Number(failed ?? 0),
    unconfirmed: run.pending.pending.size,
    absent: census.absent,
    tracked: census.tracked,
    refusedRows,
    failedKeys,
    resumed: checkpoint.resumed,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    seconds: (finishedAt - startedAt) / 1000,
  };
  const m = redis.multi().hset(keys.set(data.set), {
    tracked: census.tracked,
    absent: census.absent,
    lastStamp: checkpoint.stamp,
    absentMarked: checkpoint.diff === 'memory' ? 1 : 0,
    lastRun: ctx.id,
    lastSuccessAt: finishedAt,
    lastDurationMs: finishedAt - startedAt,
    lastSummary: JSON.stringify({
      ...summary,
      refusedRows: summary.refusedRows.slice(0, 10),
      failedKeys: summary.failedKeys.slice(0, 10),
    }),
    buckets: next.buckets,
    gen: next.generation,
  });
  for (const c of ['unchanged', 'changed', 'new', 'refused'] as const)
    m.hincrby(keys.set(data.set), `rows:${c}`, summary[c]);
  m.hincrby(keys.set(data.set), 'rows:failed', summary.failed);
  m.hset(runKey, { finalized: 1, summary: JSON.stringify(summary) });
  await m.exec();
  checkpoint.finalized = true;
  checkpoint.summary = summary;
  if (next !== store) await store.drop();
  return summary;
}
