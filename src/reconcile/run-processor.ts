import { silentLogger } from '../log.js';
import { FingerprintStore } from './fingerprint-store.js';
import { PendingOutcomes } from './pending-outcomes.js';
import { reconcileKeys, type ReconcileKeys } from './reconcile-keys.js';
import { openCheckpoint } from './run-checkpoint.js';
import type { ActiveRun, RunContext, RunDeps } from './run-context.js';
import { RunCancelledError, RunInterruptedError, RunRefusedError, SetBusyError } from './run-errors.js';
import { awaitOutcomes, finishRun } from './run-finishing.js';
import { readExport } from './run-reading.js';
import type { RefusedRow, RunSummary } from './run-types.js';
import { readSetMeta, releaseSetLock, takeSetLock } from './set-meta.js';

export { DEFAULT_MEMORY_LIMIT, type RunContext, type RunDeps } from './run-context.js';
export { RunCancelledError, RunInterruptedError, RunRefusedError, SetBusyError } from './run-errors.js';

/**
 * Runs one reconciliation, in three phases over one checkpoint: reading (`run-reading.ts`: the export
 * diffed against the set, new and changed records put into the buffer, a checkpoint per chunk),
 * confirming (waiting for their outcomes, committing fingerprints as they confirm success) and
 * finishing (`run-finishing.ts`: the set counted, the summary written). Resumed from its checkpoint
 * when called again with the same id; a phase already done is skipped.
 */
export async function processRun(ctx: RunContext, deps: RunDeps): Promise<RunSummary> {
  const { redis } = deps;
  const keys = reconcileKeys(deps.prefix);
  const lockMs = deps.lockMs ?? 60_000;
  const { data } = ctx;
  const holder = await takeSetLock(redis, keys, data.set, ctx.id, lockMs);
  if (holder !== null) throw new SetBusyError(`set ${data.set} is being reconciled by run ${holder}`);
  try {
    const run = await startRun(ctx, deps, keys, lockMs);
    if (!run.checkpoint.finalized && !run.checkpoint.readDone) await readExport(run);
    if (!run.store) throw new Error('no fingerprint store after reading');
    await awaitOutcomes(run, run.store);
    const summary = await finishRun(run, run.store);
    await redis.del(run.runKey, keys.pending(ctx.id), keys.refused(ctx.id), keys.failed(ctx.id));
    run.log.info('reconcile run finished', { run: ctx.id, set: data.set, ...summaryFields(summary) });
    return summary;
  } finally {
    await releaseSetLock(redis, keys, data.set, ctx.id).catch(() => undefined);
  }
}

/** The run with its checkpoint opened (started or resumed), its pending records and its set's store. */
async function startRun(
  ctx: RunContext,
  deps: RunDeps,
  keys: ReconcileKeys,
  lockMs: number,
): Promise<ActiveRun> {
  const { redis } = deps;
  const { data } = ctx;
  const log = deps.log ?? silentLogger;
  const checkStop = async (): Promise<void> => {
    if (ctx.signal?.aborted) throw new RunInterruptedError('this worker is stopping');
    if ((await redis.exists(keys.cancel(ctx.id))) === 1)
      throw new RunCancelledError(`run ${ctx.id} was cancelled`);
  };
  await checkStop();
  const meta = await readSetMeta(redis, keys, data.set);
  if (meta.kind !== undefined && meta.kind !== data.kind)
    throw new RunRefusedError(`set ${data.set} holds ${meta.kind}, not ${data.kind}`);
  const { checkpoint, resumed } = await openCheckpoint(redis, keys, ctx.id, data);
  if (resumed) log.info('resuming reconcile run', { run: ctx.id, set: data.set, line: checkpoint.line });
  const runKey = keys.run(ctx.id);
  const refusedLines = (await redis.lrange(keys.refused(ctx.id), 0, 49)).map(
    (r) => (JSON.parse(r) as RefusedRow).line,
  );
  const pending = new PendingOutcomes(redis, deps.producer.buffer, keys, ctx.id, checkpoint.stamp);
  await pending.load();
  return {
    ctx,
    deps,
    data,
    redis,
    keys,
    runKey,
    log,
    lockMs,
    checkpoint,
    resumed,
    refusedLines,
    pending,
    meta,
    store:
      meta.buckets > 0
        ? new FingerprintStore(redis, keys, data.set, meta.buckets, meta.generation)
        : undefined,
    checkStop,
    async renew() {
      const other = await takeSetLock(redis, keys, data.set, ctx.id, lockMs);
      if (other !== null) throw new SetBusyError(`set ${data.set} was taken over by run ${other}`);
    },
    async report(phase) {
      const [confirmed, failed] = await redis.hmget(runKey, 'confirmed', 'failed');
      await ctx.progress({
        phase,
        ...checkpoint.counters,
        refusedLines: [...refusedLines],
        confirmed: Number(confirmed ?? 0),
        failed: Number(failed ?? 0),
        line: checkpoint.line,
      });
    },
  };
}

function summaryFields(s: RunSummary): Record<string, number> {
  return {
    read: s.read,
    unchanged: s.unchanged,
    changed: s.changed,
    new: s.new,
    refused: s.refused,
    enqueued: s.enqueued,
    confirmed: s.confirmed,
    failed: s.failed,
    absent: s.absent,
  };
}

export type { ReconcileKeys };
