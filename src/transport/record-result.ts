import type { CallErrorCategory } from './failure-kinds.js';
import type { RecordStatus } from '../vocabulary/outcome-statuses.js';

/**
 * What a transport says about each record of a call: the half of the contract that the sender's policy
 * and the outcomes read. Kept apart from the {@link Transport} interface so that the call error, which
 * carries the results settled before a failure, needs nothing of the interface.
 */

export { RECORD_STATUSES, type RecordStatus } from '../vocabulary/outcome-statuses.js';

/** The result of one record of a call. Texts are bounded ({@link MAX_TEXT_BYTES}). */
export interface RecordResult {
  /** CREATED, UPDATED, UNCHANGED, SKIPPED (nothing done, by the rules: e.g. a create of an existing record) or FAILED. */
  status: RecordStatus;
  /** Marketo's id as text: a lead id (`"1000001"`), a program id, or an opportunity's `marketoGUID`. */
  id: string | null;
  /** Marketo's record code (`"1004"`, `"20103"`), or null. */
  code: string | null;
  /**
   * For FAILED: what the policy should do with the record (`invalid-record`: final; `transient` or
   * `throttle`: may pass later; `indeterminate`: may have been applied). Null otherwise.
   */
  category: CallErrorCategory | null;
  /** Marketo's or the transport's explanation, or null. */
  message: string | null;
  /** The offending field as the change formats name it (e.g. `attributes.Pants`), when known. */
  field?: string;
  /**
   * The record was not sent: it names a lead whose own change is pending or being sent, and waits for
   * that lead's outcome (status FAILED, category `transient`). The sender puts it back without an
   * attempt burnt; a sender that does not know this field retries it as a transient failure.
   */
  waitsFor?: string;
}
