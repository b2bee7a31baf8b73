import type http from 'node:http';
import type { CallLog, CallLogEntry } from './call-log.js';
import type { LostAnswer } from './fault-injection.js';

/**
 * Loses the answer of a call already applied to the stores, the way `chooseLostAnswer` chose:
 * the connection reset, never answered, or answered after `late.afterMs`. The call log says which
 * (`applied-reset`, `applied-hang`, `applied-late`), whichever transport carried the call.
 */
export function loseAnswer(
  lost: LostAnswer,
  call: { calls: CallLog; entry: CallLogEntry; req: http.IncomingMessage; res: http.ServerResponse },
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
