/**
 * What a transport reports of each HTTP attempt it makes, whatever the wire: the metrics count these
 * and the worker counts them against the daily quota, without knowing SOAP or REST.
 */

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

/** Receives every attempt of a transport (`Transport.reportAttempts` in `contract.ts`). */
export type AttemptReporter = (attempt: CallAttempt) => void;
