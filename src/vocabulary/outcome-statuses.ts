/**
 * What Marketo answers for one record, in the transports' common words. SOAP's `DELETED` (a status of
 * its schema that no sync call produces) is not one: the SOAP transport reports it as UPDATED with
 * Marketo's word in the message.
 */
export const RECORD_STATUSES = ['CREATED', 'UPDATED', 'UNCHANGED', 'SKIPPED', 'FAILED'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/**
 * Every status an outcome can have: Marketo's ({@link RECORD_STATUSES}) and mktsync's own for creates
 * after a lost answer: INDETERMINATE (the call may or may not have been applied: dead-lettered for an
 * operator) and PROBABLY_CREATED (an INSERT answered SKIPPED on a resend after an indeterminate attempt,
 * which most probably created it).
 */
export const OUTCOME_STATUSES = [...RECORD_STATUSES, 'INDETERMINATE', 'PROBABLY_CREATED'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** The outcome status `text` names, or undefined. */
export function parseOutcomeStatus(text: string): OutcomeStatus | undefined {
  return OUTCOME_STATUSES.find((s) => s === text);
}

/**
 * Whether Marketo is known to hold what was sent after an outcome of `status` (what a reconcile run
 * commits). SKIPPED did nothing; PROBABLY_CREATED and INDETERMINATE are not known.
 */
export function isSuccess(status: OutcomeStatus): boolean {
  switch (status) {
    case 'CREATED':
    case 'UPDATED':
    case 'UNCHANGED':
      return true;
    case 'SKIPPED':
    case 'FAILED':
    case 'INDETERMINATE':
    case 'PROBABLY_CREATED':
      return false;
    default:
      // Exhaustive at compile time; a status from outside (a library caller's) is no success.
      status satisfies never;
      return false;
  }
}
