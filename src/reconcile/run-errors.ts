/** How a reconcile run ends other than with its summary; the reconcile worker decides by the class. */

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
