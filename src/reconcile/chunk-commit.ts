import type { BufferedChange } from '../buffer/buffer.js';
import type { Fingerprint } from './fingerprint.js';
import { bucketsFor, FingerprintStore, RowState } from './fingerprint-store.js';
import type { LoadedSet } from './loaded-set.js';
import { stateIn } from './memory-diff.js';
import { encodePending, type PendingRecord } from './pending-outcomes.js';
import type { RowValidator } from './row-validation.js';
import { RUN_TTL_S } from './run-checkpoint.js';
import type { ActiveRun } from './run-context.js';
import { RunCancelledError, RunInterruptedError, SetBusyError } from './run-errors.js';
import type { RefusedRow } from './run-types.js';
import { readSetMeta } from './set-meta.js';
import type { OpenedSource } from './source.js';

/** Records whose outcomes a run looks for at a checkpoint while it still reads. */
const CONFIRM_WHILE_READING = 5000;
/** Refused rows kept per run (all are counted). */
const REFUSED_KEPT = 1000;

/** A row read and fingerprinted; `change` when it was validated already. */
export interface ParsedRow {
  line: number;
  value: unknown;
  fp: Fingerprint;
  change?: BufferedChange;
}

/** What one chunk of the source holds when it is cut. */
export interface Chunk {
  /** Rows to check against the set (not found unchanged before parsing). */
  rows: ParsedRow[];
  refused: RefusedRow[];
  /** Rows read, whatever became of them. */
  read: number;
  /** Rows found unchanged in memory before being parsed. */
  skipped: number;
  /** The last line of the chunk: the checkpoint's line once it is committed. */
  lastLine: number;
}

/** What the reading phase shares with the commits of its chunks. */
export interface Reading {
  /** The set in memory, when the diff runs there. */
  readonly table: LoadedSet | undefined;
  readonly source: OpenedSource;
  readonly validateRow: RowValidator;
  /** The cancel flag as of the last checkpoint (read with it, not in a round trip of its own). */
  cancelSeen: boolean;
  /** A look for outcomes running beside the reading, if any. */
  confirming: Promise<void> | null;
  /** What that look threw, rethrown at the next checkpoint. */
  confirmError: unknown;
  lastConfirm: number;
}

/**
 * Commits one chunk: checks its rows against the set, validates the ones to send, puts them into the
 * buffer, and writes one atomic checkpoint (the line reached, the counters, what awaits an outcome).
 * Chunks are committed in order.
 */
export async function commitChunk(run: ActiveRun, reading: Reading, chunk: Chunk): Promise<void> {
  const { ctx, data, redis, keys, runKey, checkpoint } = run;
  const { counters } = checkpoint;
  const { rows, refused } = chunk;
  // Stop requests as of the last checkpoint.
  if (ctx.signal?.aborted) throw new RunInterruptedError('this worker is stopping');
  if (reading.cancelSeen) throw new RunCancelledError(`run ${ctx.id} was cancelled`);
  const store = run.store ?? (await createStore(run, reading.source, rows.length));
  const table = reading.table;
  const states = table
    ? rows.map((r) => stateIn(table, r.fp))
    : rows.length
      ? await store.check(
          rows.map((r) => r.fp),
          checkpoint.stamp,
        )
      : [];
  counters.unchanged += chunk.skipped;
  // Only rows that are not unchanged are validated: an unchanged row was valid when committed.
  const send: { fp: Fingerprint; change: BufferedChange }[] = [];
  rows.forEach((r, i) => {
    const s = states[i]!;
    if (s === RowState.Unchanged && !data.full) {
      counters.unchanged++;
      return;
    }
    const change = r.change ?? reading.validateRow(r.line, r.value);
    if ('reason' in change) {
      refused.push(change);
      return;
    }
    if (s === RowState.New) counters.new++;
    else if (s === RowState.Changed) counters.changed++;
    else counters.unchanged++;
    send.push({ fp: r.fp, change });
  });
  refused.sort((a, b) => a.line - b.line);
  const enqueued = await enqueue(run, send);
  counters.read += chunk.read;
  counters.enqueued += send.length;
  counters.refused += refused.length;
  checkpoint.line = chunk.lastLine;
  const m = redis.multi();
  if (enqueued.size > 0)
    m.hset(keys.pending(ctx.id), Object.fromEntries([...enqueued].map(([k, p]) => [k, encodePending(p)])));
  if (refused.length > 0) {
    m.rpush(keys.refused(ctx.id), ...refused.map((r) => JSON.stringify(r)));
    m.ltrim(keys.refused(ctx.id), 0, REFUSED_KEPT - 1);
  }
  m.hset(runKey, { ...counters, line: checkpoint.line });
  for (const k of [runKey, keys.pending(ctx.id), keys.refused(ctx.id), keys.failed(ctx.id)])
    m.expire(k, RUN_TTL_S);
  // In the same round trip: the cancel flag, the set lock's renewal and the settled counts.
  m.exists(keys.cancel(ctx.id));
  m.mktRcTakeLock(keys.lock(data.set), ctx.id, run.lockMs);
  m.hmget(runKey, 'confirmed', 'failed');
  const results = (await m.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
  const [cancelled, holder, settledCounts] = results.slice(-3).map(([, v]) => v) as [
    number,
    string,
    (string | null)[],
  ];
  for (const [key, p] of enqueued) run.pending.pending.set(key, p);
  for (const r of refused) if (run.refusedLines.length < 50) run.refusedLines.push(r.line);
  if (holder !== '') throw new SetBusyError(`set ${data.set} was taken over by run ${holder}`);
  reading.cancelSeen = cancelled === 1;
  if (reading.confirmError !== undefined) throw reading.confirmError;
  confirmBeside(run, reading, store);
  await ctx.progress({
    phase: 'reading',
    ...counters,
    refusedLines: [...run.refusedLines],
    confirmed: Number(settledCounts[0] ?? 0),
    failed: Number(settledCounts[1] ?? 0),
    line: checkpoint.line,
  });
}

/** First run of the set: its fingerprint store, sized from the source's size and its first lines. */
async function createStore(run: ActiveRun, source: OpenedSource, rows: number): Promise<FingerprintStore> {
  const { redis, keys, data } = run;
  const perLine = source.counted.lines > 0 ? source.counted.bytes / source.counted.lines : 0;
  const estimate =
    source.sizeBytes !== undefined && perLine > 0 ? source.sizeBytes / perLine : Math.max(rows * 20, 100_000);
  const store = new FingerprintStore(redis, keys, data.set, bucketsFor(estimate), 1);
  await redis.hset(keys.set(data.set), { buckets: store.buckets, gen: 1 });
  run.store = store;
  run.meta = await readSetMeta(redis, keys, data.set);
  return store;
}

/** Puts the changes into the buffer: what awaits an outcome, by record key. */
async function enqueue(
  run: ActiveRun,
  send: readonly { fp: Fingerprint; change: BufferedChange }[],
): Promise<Map<string, PendingRecord>> {
  const enqueued = new Map<string, PendingRecord>();
  // Parts pipelined on one connection (kept in order), not one round trip each.
  const parts: (typeof send)[] = [];
  for (let i = 0; i < send.length; i += 500) parts.push(send.slice(i, i + 500));
  const replies = await Promise.all(
    parts.map((part) => run.deps.producer.enqueueChanges(part.map((r) => r.change))),
  );
  replies.forEach((refs, p) =>
    refs.forEach((ref, j) => {
      const r = parts[p]![j]!;
      enqueued.set(ref.key, { seq: ref.seq, keyDigest: r.fp.keyDigest, content: r.fp.content });
    }),
  );
  return enqueued;
}

/**
 * Looks for outcomes beside the reading, not in its way, at most every poll interval; the oldest
 * records only, so that a look costs the same however many wait.
 */
function confirmBeside(run: ActiveRun, reading: Reading, store: FingerprintStore): void {
  if (reading.confirming !== null || Date.now() - reading.lastConfirm < (run.deps.confirmPollMs ?? 500))
    return;
  reading.lastConfirm = Date.now();
  reading.confirming = run.pending
    .confirm(store, CONFIRM_WHILE_READING)
    .then(
      () => undefined,
      (error: unknown) => void (reading.confirmError = error),
    )
    .finally(() => (reading.confirming = null));
}
