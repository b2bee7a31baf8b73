import type http from 'node:http';
import type { CallLog, CallLogEntry } from './call-log.js';
import type { LostAnswer, TransportMischief } from './fault-injection.js';

/** Answers lost, before a call is read (nothing applied) or after it was applied, for both transports. */

type Call = { calls: CallLog; entry: CallLogEntry; req: http.IncomingMessage; res: http.ServerResponse };

/**
 * Marks `entry.clientGone` when the client closes the connection before the answer is written whole.
 * Called before the handler first waits, so that the close is seen however late the handler runs.
 */
export function noteClientGone(entry: CallLogEntry, res: http.ServerResponse): void {
  const mark = (): void => {
    if (!res.writableFinished) entry.clientGone = true;
  };
  if (res.destroyed) mark();
  else res.once('close', mark);
}

/**
 * Acts on a `reset` or `hang` chosen before the call is read: the connection is reset, or the call is
 * never answered (the client's response timeout must end it; the emulator's close() ends it too). True
 * when the call is done with; other mischief is the caller's to answer.
 */
export function dropUnread(mischief: TransportMischief, call: Omit<Call, 'res'>): boolean {
  if (mischief === 'reset') {
    call.calls.finish(call.entry, 'reset');
    call.req.socket.destroy();
    return true;
  }
  if (mischief === 'hang') {
    call.calls.finish(call.entry, 'hang');
    call.req.resume();
    return true;
  }
  return false;
}

/**
 * Loses the answer of a call already applied to the stores, the way `chooseLostAnswer` chose:
 * the connection reset, never answered, or answered after `late.afterMs`. The call log says which
 * (`applied-reset`, `applied-hang`, `applied-late`), whichever transport carried the call.
 */
export function loseAnswer(
  lost: LostAnswer,
  call: Call,
  late: { afterMs: number; answer: () => void },
): void {
  const { calls, entry, req, res } = call;
  if (lost === 'apply-then-reset') {
    calls.finish(entry, 'applied-reset');
    req.socket.destroy();
  } else if (lost === 'apply-then-hang') {
    // Never answered: the client's response timeout ends it; close() ends the connection.
    calls.finish(entry, 'applied-hang');
  } else {
    const timer = setTimeout(() => {
      calls.finish(entry, 'applied-late');
      if (!res.destroyed) late.answer();
    }, late.afterMs);
    res.once('close', () => {
      if (entry.status === 'pending') calls.finish(entry, 'applied-late');
      clearTimeout(timer);
    });
  }
}

/**
 * Holds a call `ms` before it is applied, as Marketo may still process a request its client gave up
 * on. The timer does not keep the process alive: an emulator closed meanwhile never applies it.
 */
export function holdBeforeApplying(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
