/**
 * What the worker tells its observers (metrics, logs) about calls and batches, in terms that do not
 * depend on the transport. Producers (the sender, the transports' adapters) fill these; the metrics
 * read them, so the metrics depend on this module and not on the worker.
 */

/** Which Marketo API a worker talks to; the `transport` label of its metrics. */
export type TransportName = 'soap' | 'rest';

/** What the metrics read of what happened to one claimed batch; the sender's `SendReport` has this shape. */
export interface BatchReport {
  /** Records put back for another attempt, by failure category. */
  retries: { category: string; records: number }[];
  /** Times Marketo throttled and every worker paused. */
  throttlePauses: number;
  /** Whole-call failures by category; `setting`: the setting a configuration fault names. */
  faults: readonly { category: string; setting?: string }[];
}

/** One HTTP attempt of a call to Marketo, whatever the transport. */
export interface CallAttempt {
  /**
   * A bounded name for the call: SOAP's operation (`syncMultipleLeads`), REST's endpoint
   * (`syncLeads`, `updateProgram`, …). Never a value that grows with data (ids, paths with ids).
   */
  operation: string;
  /** Records the attempt carried. */
  records: number;
  durationMs: number;
  /** Undefined on success. */
  error?: {
    /** The failure category (`transient`, `throttle`, `auth`, …). */
    category: string;
    /** Marketo's code as text (`"20011"`, `"606"`), or null for network and format errors. */
    code: string | null;
  };
}
