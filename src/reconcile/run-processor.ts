import type { Readable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';
import type { BufferedChange } from '../buffer/buffer.js';
import type { FileRecord } from '../producer/file-records.js';
import { silentLogger, type Logger } from '../log.js';
import { validateLeads, validateMObjects } from '../producer/changes.js';
import type { Producer } from '../producer/producer.js';
import { lineDigestInto, rowFingerprint, type Fingerprint } from './fingerprint.js';
import { ABSENT_MARK, bucketsFor, FingerprintStore, MAX_STAMP, RowState } from './fingerprint-store.js';
import { loadSet, type Loaded } from './load-set.js';
import type { LoadedSet } from './loaded-set.js';
import { encodePending, PendingOutcomes, type PendingRecord } from './pending-outcomes.js';
import { reconcileKeys, type ReconcileKeys } from './reconcile-keys.js';
import type { RefusedRow, RunData, RunProgress, RunSummary } from './run-types.js';
import { readSetMeta, releaseSetLock, takeSetLock } from './set-meta.js';
import { DEFAULT_SOURCE_LIMITS, openSource, parseLine, type SourceLimits } from './source.js';

type RedisLike = Redis | Cluster;

/** What a run needs besides its job. */
export interface RunDeps {
  redis: RedisLike;
  producer: Producer;
  prefix: string;
  log?: Logger;
  limits?: SourceLimits;
  /** How long a run waits for the outcomes of what it enqueued before it stops waiting (default 1 h). */
  confirmTimeoutMs?: number;
  /** Set lock lifetime, renewed while the run works (default 60 s). */
  lockMs?: number;
  /**
   * Rows per checkpoint (default 10000, or 50000 when the set is diffed in memory: re-reading unchanged
   * rows after a resume is cheap there); a chunk is also cut after a second of slow reading.
   */
  chunkRows?: number;
  /** How often outcomes are looked for (default 500 ms). */
  confirmPollMs?: number;
  /** Standard input, for `-` runs in the CLI's own process. */
  stdin?: Readable;
  /**
   * Most bytes a run holds a set's fingerprints in memory with (default {@link DEFAULT_MEMORY_LIMIT});
   * a larger set is diffed in Redis instead (slower, no memory).
   */
  memoryLimitBytes?: number;
}

/** Default of {@link RunDeps.memoryLimitBytes}: 256 MiB, about 10 million tracked records. */
export const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;

/** One run as the processor sees it: a BullMQ job, or an in-process run. */
export interface RunContext {
  id: string;
  data: RunData;
  progress(progress: RunProgress): Promise<void>;
  /** Aborted when this process stops: the run checkpoints and gives the job back. */
  signal?: AbortSignal;
}

/** The set is held by another run; retry later. */
export class SetBusyError extends Error {
  override readonly name = 'SetBusyError';
}
/** The run was asked to stop (`mktsync reconcile cancel`). */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';
}
/** This process is stopping; the run is left at its last checkpoint for another worker. */
export class RunInterruptedError extends Error {
  override readonly name = 'RunInterruptedError';
}
/** The run cannot go on as asked (source changed under a resumed run, kind mismatch). */
export class RunRefusedError extends Error {
  override readonly name = 'RunRefusedError';
}

const RUN_TTL_S = 7 * 86_400;
/** Chunks checkpointed behind the one being read (each holds at most {@link HEAVY_ROWS} parsed rows). */
const FLUSH_DEPTH = 2;
/** Rows a chunk holds parsed (new, changed, refused) before it is cut, whatever its length. */
const HEAVY_ROWS = 10_000;
/** Records whose outcomes a run looks for at a checkpoint while it still reads. */
const CONFIRM_WHILE_READING = 5000;
const REFUSED_KEPT = 1000;
const COUNTERS = ['read', 'unchanged', 'changed', 'new', 'refused', 'enqueued'] as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one reconciliation: reads the export, compares each record's fingerprint with the set's, puts
 * new and changed records into the buffer, checkpoints every chunk (line reached, counters, records
 * awaiting outcomes), commits fingerprints as outcomes confirm success, and finally counts the set and
 * the absent records. Resumed from its checkpoint when called again with the same id.
 */
export async function processRun(ctx: RunContext, deps: RunDeps): Promise<RunSummary> {
  const { redis, producer } = deps;
  const log = deps.log ?? silentLogger;
  const keys = reconcileKeys(deps.prefix);
  const lockMs = deps.lockMs ?? 60_000;
  const chunkRowsSetting = deps.chunkRows;
  const { data } = ctx;
  const runKey = keys.run(ctx.id);

  const holder = await takeSetLock(redis, keys, data.set, ctx.id, lockMs);
  if (holder !== null) throw new SetBusyError(`set ${data.set} is being reconciled by run ${holder}`);
  const renew = async (): Promise<void> => {
    const other = await takeSetLock(redis, keys, data.set, ctx.id, lockMs);
    if (other !== null) throw new SetBusyError(`set ${data.set} was taken over by run ${other}`);
  };
  const checkStop = async (): Promise<void> => {
    if (ctx.signal?.aborted) throw new RunInterruptedError('this worker is stopping');
    if ((await redis.exists(keys.cancel(ctx.id))) === 1)
      throw new RunCancelledError(`run ${ctx.id} was cancelled`);
  };

  try {
    await checkStop();
    let meta = await readSetMeta(redis, keys, data.set);
    if (meta.kind !== undefined && meta.kind !== data.kind)
      throw new RunRefusedError(`set ${data.set} holds ${meta.kind}, not ${data.kind}`);

    // The checkpoint: a fresh run writes its start, a resumed one reads where it was.
    let state = await redis.hgetall(runKey);
    const resumed = state.stamp !== undefined;
    if (!resumed) {
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
      state = await redis.hgetall(runKey);
    } else {
      await redis.hincrby(runKey, 'resumed', 1);
      state.resumed = String(Number(state.resumed ?? 0) + 1);
      log.info('resuming reconcile run', { run: ctx.id, set: data.set, line: Number(state.line) });
    }
    const stamp = Number(state.stamp);
    const startedAt = Number(state.startedAt);
    const counters = Object.fromEntries(COUNTERS.map((c) => [c, Number(state[c] ?? 0)])) as Record<
      (typeof COUNTERS)[number],
      number
    >;
    const refusedLines: number[] = (await redis.lrange(keys.refused(ctx.id), 0, 49)).map(
      (r) => (JSON.parse(r) as RefusedRow).line,
    );
    let line = Number(state.line);

    const pending = new PendingOutcomes(redis, producer.buffer, keys, ctx.id, stamp);
    await pending.load();
    const report = async (phase: RunProgress['phase']): Promise<void> => {
      const [confirmed, failed] = await redis.hmget(runKey, 'confirmed', 'failed');
      await ctx.progress({
        phase,
        ...counters,
        refusedLines: [...refusedLines],
        confirmed: Number(confirmed ?? 0),
        failed: Number(failed ?? 0),
        line,
      });
    };

    let store: FingerprintStore | undefined =
      meta.buckets > 0
        ? new FingerprintStore(redis, keys, data.set, meta.buckets, meta.generation)
        : undefined;

    if (state.finalized !== '1' && state.read_done !== '1') {
      // The diff: in memory when the set fits the limit (decided once per run: a resumed run keeps it,
      // and reloads the set, its own commits included), else in Redis.
      let loaded: Loaded | null = null;
      if (state.diff !== 'redis') {
        loaded = await loadSet(store, stamp, {
          limitBytes: deps.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT,
          expected: meta.tracked,
          enforceLimit: state.diff !== 'memory',
        });
        if (loaded === null)
          log.warn('reconcile set over the memory limit: diffing in Redis', {
            run: ctx.id,
            set: data.set,
            tracked: meta.tracked,
            limitBytes: deps.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT,
          });
      }
      if (state.diff === undefined) {
        state.diff = loaded ? 'memory' : 'redis';
        await redis.hset(runKey, 'diff', state.diff);
      }
      const table = loaded?.table;
      const chunkRows = chunkRowsSetting ?? (table ? 50_000 : 10_000);
      const source = await openSource(data.source, data.kind, {
        format: data.format,
        limits: deps.limits ?? DEFAULT_SOURCE_LIMITS,
        ...(deps.stdin ? { stdin: deps.stdin } : {}),
      });
      const stopReading = (): void => source.close();
      ctx.signal?.addEventListener('abort', stopReading);
      try {
        if (resumed && (state.identity ?? '') !== source.identity)
          throw new RunRefusedError(
            `${data.source} changed since the run started (${state.identity || 'unknown'} → ${source.identity || 'unknown'}); start a new run`,
          );
        if (!resumed) await redis.hset(runKey, 'identity', source.identity);
        const validate = data.kind === 'leads' ? validateLeads : validateMObjects;
        /** A row as the buffer would take it, or why it is refused. */
        const validateRow = (line: number, value: unknown): BufferedChange | RefusedRow => {
          const result = validate([value], () => line);
          const change = result.valid[0]?.change;
          if (!change)
            return {
              line,
              field: result.problems[0]?.field ?? '(record)',
              reason: result.problems.map((p) => `${p.field}: ${p.reason}`).join('; '),
            };
          if (change.key.endsWith('#'))
            return {
              line,
              field: data.kind === 'leads' ? 'dedupEnabled' : 'operation',
              reason:
                data.kind === 'leads'
                  ? 'dedupEnabled=false creates a new lead each time: it cannot be reconciled'
                  : 'INSERT creates a new object each time: reconcile with UPSERT or UPDATE',
            };
          return change;
        };
        let rows: { line: number; value: unknown; fp: Fingerprint; change?: BufferedChange }[] = [];
        let refused: RefusedRow[] = [];
        let read = 0;
        /** Rows of the chunk found unchanged in memory before being parsed. */
        let skipped = 0;
        let chunkStarted = Date.now();
        let lastConfirm = Date.now();
        let confirming: Promise<void> | null = null;
        let cancelSeen = false;
        let confirmError: unknown;

        type Row = { line: number; value: unknown; fp: Fingerprint; change?: BufferedChange };
        const flush = async (
          rows: Row[],
          refused: RefusedRow[],
          read: number,
          skipped: number,
          lastLine: number,
        ): Promise<void> => {
          // Stop requests as of the last checkpoint (read with it, not in a round trip of their own).
          if (ctx.signal?.aborted) throw new RunInterruptedError('this worker is stopping');
          if (cancelSeen) throw new RunCancelledError(`run ${ctx.id} was cancelled`);
          if (!store) {
            // First run of the set: size the buckets from the source's size and its first lines.
            const perLine = source.counted.lines > 0 ? source.counted.bytes / source.counted.lines : 0;
            const estimate =
              source.sizeBytes !== undefined && perLine > 0
                ? source.sizeBytes / perLine
                : Math.max(rows.length * 20, 100_000);
            store = new FingerprintStore(redis, keys, data.set, bucketsFor(estimate), 1);
            await redis.hset(keys.set(data.set), { buckets: store.buckets, gen: 1 });
            meta = await readSetMeta(redis, keys, data.set);
          }
          const states = table
            ? rows.map((r) => stateIn(table, r.fp))
            : rows.length
              ? await store.check(
                  rows.map((r) => r.fp),
                  stamp,
                )
              : [];
          counters.unchanged += skipped;
          // Only rows that are not unchanged are validated: an unchanged row was valid when committed.
          const send: { fp: Fingerprint; change: BufferedChange }[] = [];
          rows.forEach((r, i) => {
            const s = states[i]!;
            if (s === RowState.Unchanged && !data.full) {
              counters.unchanged++;
              return;
            }
            const change = r.change ?? validateRow(r.line, r.value);
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
          const enqueued = new Map<string, PendingRecord>();
          // Parts pipelined on one connection (kept in order), not one round trip each.
          const parts: (typeof send)[] = [];
          for (let i = 0; i < send.length; i += 500) parts.push(send.slice(i, i + 500));
          const replies = await Promise.all(
            parts.map((part) => producer.enqueueChanges(part.map((r) => r.change))),
          );
          replies.forEach((refs, p) =>
            refs.forEach((ref, j) => {
              const r = parts[p]![j]!;
              enqueued.set(ref.key, { seq: ref.seq, keyDigest: r.fp.keyDigest, content: r.fp.content });
            }),
          );
          counters.read += read;
          counters.enqueued += send.length;
          counters.refused += refused.length;
          line = lastLine;
          // One atomic checkpoint: the line reached, the counters, what awaits an outcome.
          const m = redis.multi();
          if (enqueued.size > 0)
            m.hset(
              keys.pending(ctx.id),
              Object.fromEntries([...enqueued].map(([k, p]) => [k, encodePending(p)])),
            );
          if (refused.length > 0) {
            m.rpush(keys.refused(ctx.id), ...refused.map((r) => JSON.stringify(r)));
            m.ltrim(keys.refused(ctx.id), 0, REFUSED_KEPT - 1);
          }
          m.hset(runKey, { ...counters, line });
          for (const k of [runKey, keys.pending(ctx.id), keys.refused(ctx.id), keys.failed(ctx.id)])
            m.expire(k, RUN_TTL_S);
          // In the same round trip: the cancel flag, the set lock's renewal and the settled counts.
          m.exists(keys.cancel(ctx.id));
          m.mktRcTakeLock(keys.lock(data.set), ctx.id, lockMs);
          m.hmget(runKey, 'confirmed', 'failed');
          const results = (await m.exec()) ?? [];
          for (const [error] of results) if (error) throw error;
          const [cancelled, holder, settledCounts] = results.slice(-3).map(([, v]) => v) as [
            number,
            string,
            (string | null)[],
          ];
          for (const [key, p] of enqueued) pending.pending.set(key, p);
          for (const r of refused) if (refusedLines.length < 50) refusedLines.push(r.line);
          if (holder !== '') throw new SetBusyError(`set ${data.set} was taken over by run ${holder}`);
          cancelSeen = cancelled === 1;
          if (confirmError !== undefined) throw confirmError;
          if (confirming === null && Date.now() - lastConfirm >= (deps.confirmPollMs ?? 500)) {
            // Beside the reading, not in its way; the oldest records only, so that a check costs the
            // same however many wait.
            lastConfirm = Date.now();
            const activeStore = store;
            confirming = pending
              .confirm(activeStore, CONFIRM_WHILE_READING)
              .then(
                () => undefined,
                (error: unknown) => void (confirmError = error),
              )
              .finally(() => (confirming = null));
          }
          await ctx.progress({
            phase: 'reading',
            ...counters,
            refusedLines: [...refusedLines],
            confirmed: Number(settledCounts[0] ?? 0),
            failed: Number(settledCounts[1] ?? 0),
            line,
          });
        };

        let lastLine = line;
        const resumeAfter = line;
        // Up to FLUSH_DEPTH chunks are checked and checkpointed (in order) while the next is read.
        let flushing: Promise<void> = Promise.resolve();
        const inFlight: Promise<void>[] = [];
        const cut = async (): Promise<void> => {
          const [r, f, n, k, l] = [rows, refused, read, skipped, lastLine];
          rows = [];
          refused = [];
          read = 0;
          skipped = 0;
          chunkStarted = Date.now();
          flushing = flushing.then(() => flush(r, f, n, k, l));
          flushing.catch(() => undefined);
          inFlight.push(flushing);
          if (inFlight.length > FLUSH_DEPTH) await inFlight.shift();
        };
        const lanes = new Uint32Array(2);
        /** Marks a row's record seen (rows before a resumed run's checkpoint are only that). */
        const markSeen = (record: FileRecord, bytes: Buffer | undefined): void => {
          if (!table || record.error !== undefined) return;
          let fp = rowFingerprint(data.kind, record.value, undefined, bytes);
          if (fp === null) {
            const change = validateRow(record.line, record.value);
            if ('reason' in change) return;
            fp = rowFingerprint(data.kind, record.value, change.key, bytes);
          }
          if (fp !== null) stateIn(table, fp);
        };
        /** A row that was not found unchanged before parsing: fingerprinted, validated when needed. */
        const take = async (record: FileRecord, bytes: Buffer | undefined): Promise<void> => {
          if (record.line <= resumeAfter) return markSeen(record, bytes);
          lastLine = record.line;
          read++;
          if (record.error !== undefined) {
            refused.push({ line: record.line, field: '(record)', reason: record.error });
          } else {
            const fp = rowFingerprint(data.kind, record.value, undefined, bytes);
            if (fp !== null && !data.full) rows.push({ line: record.line, value: record.value, fp });
            else {
              const change = validateRow(record.line, record.value);
              if ('reason' in change) refused.push(change);
              else
                rows.push({
                  line: record.line,
                  value: record.value,
                  fp: fp ?? rowFingerprint(data.kind, record.value, change.key, bytes)!,
                  change,
                });
            }
          }
          if (
            read >= chunkRows ||
            rows.length + refused.length >= HEAVY_ROWS ||
            Date.now() - chunkStarted >= 1000
          )
            await cut();
        };
        for await (const batch of source.batches) {
          if (Array.isArray(batch)) {
            for (const record of batch) await take(record, undefined);
            continue;
          }
          const { buf, starts, ends, numbers } = batch;
          for (let i = 0; i < numbers.length; i++) {
            const number = numbers[i]!;
            if (number <= resumeAfter && !table) continue;
            if (table) {
              // An unchanged line costs its digest and a probe: no decoding, parsing, validation or Redis.
              lineDigestInto(buf, starts[i]!, ends[i]!, lanes);
              const slot = table.findContent(lanes[0]!, lanes[1]!);
              if (slot >= 0 && (number <= resumeAfter || !data.full)) {
                table.markSeen(slot);
                if (number <= resumeAfter) continue;
                lastLine = number;
                read++;
                skipped++;
                // The clock every 1024 lines: it is read more often than anything else here.
                if (read >= chunkRows || ((read & 1023) === 0 && Date.now() - chunkStarted >= 1000))
                  await cut();
                continue;
              }
            }
            const bytes = buf.subarray(starts[i]!, ends[i]!);
            await take(parseLine(number, bytes), bytes);
          }
        }
        await cut();
        await flushing;
        await confirming;
        if (confirmError !== undefined) throw confirmError;
        let absent = 0;
        if (loaded && store) {
          // Counted before anything is written: a full run deletes them, so a repeat after a crash
          // would find fewer.
          absent = state.absent !== undefined ? Number(state.absent) : loaded.table.unseenCount();
          await redis.hset(runKey, 'absent', absent);
          await settleAbsent(store, loaded, stamp, data.full);
        }
        await redis.hset(runKey, { read_done: 1, absent });
        state.absent = String(absent);
      } catch (error) {
        if (ctx.signal?.aborted) throw new RunInterruptedError('this worker is stopping');
        throw error;
      } finally {
        ctx.signal?.removeEventListener('abort', stopReading);
        source.close();
      }
    }

    if (!store) throw new Error('no fingerprint store after reading');
    const activeStore: FingerprintStore = store;
    // Wait for the outcomes of everything enqueued (bounded: what is still unknown is sent next run).
    const deadline = Date.now() + (deps.confirmTimeoutMs ?? 3_600_000);
    // The phase is reported as it starts: reading is over once the last chunk is checkpointed.
    if (state.finalized !== '1' && pending.pending.size > 0) await report('confirming');
    while (state.finalized !== '1' && pending.pending.size > 0 && Date.now() < deadline) {
      await checkStop();
      await pending.confirm(activeStore);
      if (pending.pending.size === 0) break;
      await renew();
      await report('confirming');
      await sleep(deps.confirmPollMs ?? 500);
    }

    await report('finishing');
    if (state.finalized !== '1') {
      const census =
        state.diff === 'memory'
          ? { tracked: await activeStore.count(), absent: Number(state.absent ?? 0) }
          : await activeStore.census(stamp, data.full);
      let next = activeStore;
      if (!activeStore.fits(census.tracked)) next = await activeStore.resize(census.tracked);
      const [confirmed, failed] = await redis.hmget(runKey, 'confirmed', 'failed');
      const refusedRows = (await redis.lrange(keys.refused(ctx.id), 0, 99)).map(
        (r) => JSON.parse(r) as RefusedRow,
      );
      const failedKeys = await redis.lrange(keys.failed(ctx.id), 0, 99);
      const finishedAt = Date.now();
      const summary: RunSummary = {
        run: ctx.id,
        set: data.set,
        kind: data.kind,
        source: data.source,
        full: data.full,
        diff: state.diff === 'memory' ? 'memory' : 'redis',
        ...counters,
        confirmed: Number(confirmed ?? 0),
        failed: Number(failed ?? 0),
        unconfirmed: pending.pending.size,
        absent: census.absent,
        tracked: census.tracked,
        refusedRows,
        failedKeys,
        resumed: Number(state.resumed ?? 0),
        startedAt: new Date(startedAt).toISOString(),
        finishedAt: new Date(finishedAt).toISOString(),
        seconds: (finishedAt - startedAt) / 1000,
      };
      const m = redis.multi().hset(keys.set(data.set), {
        tracked: census.tracked,
        absent: census.absent,
        lastStamp: stamp,
        absentMarked: state.diff === 'memory' ? 1 : 0,
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
      state.finalized = '1';
      state.summary = JSON.stringify(summary);
      if (next !== activeStore) await activeStore.drop();
    }
    const summary = JSON.parse(state.summary!) as RunSummary;
    await redis.del(runKey, keys.pending(ctx.id), keys.refused(ctx.id), keys.failed(ctx.id));
    log.info('reconcile run finished', { run: ctx.id, set: data.set, ...summaryFields(summary) });
    return summary;
  } finally {
    await releaseSetLock(redis, keys, data.set, ctx.id).catch(() => undefined);
  }
}

/** A row's state against the set in memory; marks the record it matches seen. */
function stateIn(table: LoadedSet, fp: Fingerprint): RowState {
  const slot = table.findContent(fp.content.readUInt32BE(0), fp.content.readUInt32BE(4));
  if (slot >= 0) {
    table.markSeen(slot);
    return RowState.Unchanged;
  }
  const old = table.findKey(fp.keyDigest.readUInt32BE(0), fp.keyDigest.readUInt32BE(4));
  if (old < 0) return RowState.New;
  table.markSeen(old);
  return RowState.Changed;
}

/**
 * After reading, in memory: marks the records this run did not see as absent from it (a full run drops
 * them instead), and clears a mark left by the run 32767 runs ago on records seen now. Repeating it
 * after a crash writes the same.
 */
async function settleAbsent(
  store: FingerprintStore,
  loaded: Loaded,
  stamp: number,
  full: boolean,
): Promise<void> {
  for (const batch of loaded.table.unseen(50_000)) {
    if (full) await store.remove(batch);
    else await store.setStamps(batch, stamp | ABSENT_MARK);
  }
  const stale = loaded.staleSlots.filter((s) => loaded.table.isSeen(s)).map((s) => loaded.table.keyOf(s));
  if (stale.length > 0) await store.setStamps(stale, stamp);
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
