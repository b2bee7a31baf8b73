/**
 * What a failed buffer write means for the changes it carried: `refused` when they were certainly not
 * written, `unknown` when they may have been (the script call may have run in Redis, but its answer
 * never came back).
 */
export type WriteFailure = 'refused' | 'unknown';

// Redis answered with an error raised before the enqueue script wrote anything: its first write
// (INCRBY) is where memory, persistence and replica checks refuse it, and the rest refuse the call.
const REFUSED_REPLY =
  /^(OOM|LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|MISCONF|NOREPLICAS|NOAUTH|WRONGPASS|NOPERM|NOSCRIPT|MOVED|ASK|TRYAGAIN|CROSSSLOT|EXECABORT)\b/;

// ioredis refuses a command without sending it when the connection is not ready and queueing is off.
const NEVER_SENT = /isn't writeable and enableOfflineQueue|isn't ready and enableOfflineQueue/;

/** Classifies the error of one enqueue script call. */
export function writeFailure(error: unknown): WriteFailure {
  if (!(error instanceof Error)) return 'unknown';
  if (NEVER_SENT.test(error.message)) return 'refused';
  // A ReplyError is Redis's own answer; any other error (connection closed or reset, retries exhausted,
  // a timeout) came without an answer, after the call may have been written to the connection.
  if (error.name === 'ReplyError' && REFUSED_REPLY.test(error.message)) return 'refused';
  return 'unknown';
}
