/**
 * What the worker tells its observers (metrics, logs) about calls and batches, in terms that do not
 * depend on the transport. The sender fills these; the metrics
 * read them, so the metrics depend on this module and not on the worker.
 */

/** What the metrics read of what happened to one claimed batch; the sender's `SendReport` has this shape. */
export interface BatchReport {
  /** Records put back for another attempt, by failure category. */
  retries: { category: string; records: number }[];
  /** Times Marketo throttled and every worker paused. */
  throttlePauses: number;
  /** Whole-call failures by category; `setting`: the setting a configuration fault names. */
  faults: readonly { category: string; setting?: string }[];
}
