import type { FileRecord } from '../producer/file-records.js';
import { commitChunk, type Chunk, type Reading } from './chunk-commit.js';
import { lineDigestInto, rowFingerprint } from './fingerprint.js';
import { loadSet, type Loaded } from './load-set.js';
import { settleAbsent, stateIn } from './memory-diff.js';
import { rowValidator } from './row-validation.js';
import { DEFAULT_MEMORY_LIMIT, type ActiveRun } from './run-context.js';
import { RunInterruptedError, RunRefusedError } from './run-errors.js';
import { DEFAULT_SOURCE_LIMITS, openSource, parseLine, type OpenedSource } from './source.js';

/** Chunks checkpointed behind the one being read (each holds at most {@link HEAVY_ROWS} parsed rows). */
const FLUSH_DEPTH = 2;
/** Rows a chunk holds parsed (new, changed, refused) before it is cut, whatever its length. */
const HEAVY_ROWS = 10_000;

/**
 * The reading phase: reads the export from the checkpoint's line on, compares each record's
 * fingerprint with the set's, puts new and changed records into the buffer and checkpoints every chunk;
 * in memory, it then settles the records absent from the export. Ends with `read_done` written.
 */
export async function readExport(run: ActiveRun): Promise<void> {
  const { ctx, deps, data, redis, runKey, checkpoint } = run;
  // The diff: in memory when the set fits the limit (decided once per run: a resumed run keeps it, and
  // reloads the set, its own commits included), else in Redis.
  const loaded = checkpoint.diff === 'redis' ? null : await loadDiff(run);
  if (checkpoint.diff === undefined) {
    checkpoint.diff = loaded ? 'memory' : 'redis';
    await redis.hset(runKey, 'diff', checkpoint.diff);
  }
  const source = await openSource(data.source, data.kind, {
    format: data.format,
    limits: deps.limits ?? DEFAULT_SOURCE_LIMITS,
    ...(deps.stdin ? { stdin: deps.stdin } : {}),
  });
  const stopReading = (): void => source.close();
  ctx.signal?.addEventListener('abort', stopReading);
  try {
    if (run.resumed && (checkpoint.identity ?? '') !== source.identity)
      throw new RunRefusedError(
        `${data.source} changed since the run started (${checkpoint.identity || 'unknown'} → ${source.identity || 'unknown'}); start a new run`,
      );
    if (!run.resumed) await redis.hset(runKey, 'identity', source.identity);
    const reading: Reading = {
      table: loaded?.table,
      source,
      validateRow: rowValidator(data.kind, deps.producer.intake),
      cancelSeen: false,
      confirming: null,
      confirmError: undefined,
      lastConfirm: Date.now(),
    };
    await readChunks(run, reading, source);
    await reading.confirming;
    if (reading.confirmError !== undefined) throw reading.confirmError;
    let absent = 0;
    if (loaded && run.store) {
      // Counted before anything is written: a full run deletes them, so a repeat after a crash would
      // find fewer.
      absent = checkpoint.absent ?? loaded.table.unseenCount();
      await redis.hset(runKey, 'absent', absent);
      await settleAbsent(run.store, loaded, checkpoint.stamp, data.full);
    }
    await redis.hset(runKey, { read_done: 1, absent });
    checkpoint.absent = absent;
    checkpoint.readDone = true;
  } catch (error) {
    if (ctx.signal?.aborted) throw new RunInterruptedError('this worker is stopping');
    throw error;
  } finally {
    ctx.signal?.removeEventListener('abort', stopReading);
    source.close();
  }
}

/** The set loaded into memory, or null (logged) when it is over the limit. */
async function loadDiff(run: ActiveRun): Promise<Loaded | null> {
  const limitBytes = run.deps.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
  const loaded = await loadSet(run.store, run.checkpoint.stamp, {
    limitBytes,
    expected: run.meta.tracked,
    enforceLimit: run.checkpoint.diff !== 'memory',
  });
  if (loaded === null)
    run.log.warn('reconcile set over the memory limit: diffing in Redis', {
      run: run.ctx.id,
      set: run.data.set,
      tracked: run.meta.tracked,
      limitBytes,
    });
  return loaded;
}

/**
 * Reads the source in chunks; up to {@link FLUSH_DEPTH} chunks are committed (in order) while the next
 * is read. Lines before a resumed run's checkpoint are only marked seen.
 */
async function readChunks(run: ActiveRun, reading: Reading, source: OpenedSource): Promise<void> {
  const { data } = run;
  const { table, validateRow } = reading;
  const chunkRows = run.deps.chunkRows ?? (table ? 50_000 : 10_000);
  const resumeAfter = run.checkpoint.line;
  let chunk: Chunk = { rows: [], refused: [], read: 0, skipped: 0, lastLine: resumeAfter };
  let chunkStarted = Date.now();
  let flushing: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  const cut = async (): Promise<void> => {
    const full = chunk;
    chunk = { rows: [], refused: [], read: 0, skipped: 0, lastLine: full.lastLine };
    chunkStarted = Date.now();
    flushing = flushing.then(() => commitChunk(run, reading, full));
    flushing.catch(() => undefined);
    inFlight.push(flushing);
    if (inFlight.length > FLUSH_DEPTH) await inFlight.shift();
  };
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
    chunk.lastLine = record.line;
    chunk.read++;
    if (record.error !== undefined) {
      chunk.refused.push({ line: record.line, field: '(record)', reason: record.error });
    } else {
      const fp = rowFingerprint(data.kind, record.value, undefined, bytes);
      if (fp !== null && !data.full) chunk.rows.push({ line: record.line, value: record.value, fp });
      else {
        const change = validateRow(record.line, record.value);
        if ('reason' in change) chunk.refused.push(change);
        else
          chunk.rows.push({
            line: record.line,
            value: record.value,
            fp: fp ?? rowFingerprint(data.kind, record.value, change.key, bytes)!,
            change,
          });
      }
    }
    if (
      chunk.read >= chunkRows ||
      chunk.rows.length + chunk.refused.length >= HEAVY_ROWS ||
      Date.now() - chunkStarted >= 1000
    )
      await cut();
  };
  const lanes = new Uint32Array(2);
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
          chunk.lastLine = number;
          chunk.read++;
          chunk.skipped++;
          // The clock every 1024 lines: it is read more often than anything else here.
          if (chunk.read >= chunkRows || ((chunk.read & 1023) === 0 && Date.now() - chunkStarted >= 1000))
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
}
