import { z } from 'zod';
import { SET_NAME } from './reconcile-keys.js';

/** What a run reconciles: the job data of a reconcile run (validated when a worker takes it). */
export const runDataSchema = z.strictObject({
  kind: z.enum(['leads', 'mobjects']),
  /** A file path readable by the worker, an http(s) URL, or `-` (standard input, in-process runs only). */
  source: z.string().min(1),
  format: z.enum(['csv', 'ndjson']).optional(),
  /** The reconcile set: whose fingerprints the export is compared with. */
  set: z.string().regex(SET_NAME, 'set names are 1–64 letters, digits, ".", "_" or "-"'),
  /** Send every row, and drop records absent from this export from the set. */
  full: z.boolean().default(false),
  /** The schedule that started the run, if any. */
  schedule: z.string().optional(),
});
export type RunData = z.output<typeof runDataSchema>;
export type RunRequest = z.input<typeof runDataSchema>;

/** A refused row: its line in the source, the field and the reason. */
export interface RefusedRow {
  line: number;
  field: string;
  reason: string;
}

/** Counters of a run, reported as BullMQ job progress while it runs. */
export interface RunProgress {
  phase: 'reading' | 'confirming' | 'finishing';
  /** Rows read (valid or not). */
  read: number;
  unchanged: number;
  changed: number;
  new: number;
  refused: number;
  /** Line numbers of the first refused rows. */
  refusedLines: number[];
  /** Records put into the buffer. */
  enqueued: number;
  /** Records whose outcome was a success (their fingerprints are committed). */
  confirmed: number;
  /** Records whose outcome was a failure (FAILED, dead-lettered, SKIPPED): sent again by the next run. */
  failed: number;
  /** Last source line checkpointed. */
  line: number;
}

/** The return value of a run job. */
export interface RunSummary extends Omit<RunProgress, 'phase' | 'refusedLines' | 'line'> {
  run: string;
  set: string;
  kind: 'leads' | 'mobjects';
  source: string;
  full: boolean;
  /**
   * Where the diff ran: `memory` (the set loaded into the run's memory) or `redis` (each row checked in
   * Redis, for a set over the memory limit).
   */
  diff: 'memory' | 'redis';
  /** Records without an outcome when the run stopped waiting: not committed, so sent again next run. */
  unconfirmed: number;
  /** Records of the set not in this export (Marketo keeps them: the sync calls, REST or SOAP, cannot delete). */
  absent: number;
  /** Records the set tracks after the run. */
  tracked: number;
  /** The first refused rows (all are counted in `refused`). */
  refusedRows: RefusedRow[];
  /** Record keys of the first failed records. */
  failedKeys: string[];
  /** Times the run was resumed from a checkpoint (worker crash, shutdown, retry). */
  resumed: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
}
