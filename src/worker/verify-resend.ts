import type { BatchEntry } from '../buffer/types.js';
import type { FoundId, TransportCall, TransportGroup } from '../transport/contract.js';
import { backoffWait, mayTryAgain } from './retry-policy.js';
import type { SettleAction } from '../buffer/buffer.js';
import type { ClaimedBatch } from '../buffer/types.js';
import type { Logger } from '../log.js';
import type { Transport } from '../transport/contract.js';
import type { RetryPolicy } from './retry-policy.js';
import { deliveryKind, verifiedBeforeResend } from './delivery-policy.js';
import * as settle from './settle-actions.js';

/**
 * Verify, don't guess: a create that Marketo would apply twice and that an earlier attempt may have
 * applied (its answer was lost, or its worker died) is looked for in Marketo before it is sent again
 * (`Transport.findIds`; for custom activities, the leads' activity logs). Found: settled CREATED with
 * the id found, not sent. Known absent: sent with the rest. Not told (the read failed): tried again
 * later, its doubt kept, while attempts are left; then INDETERMINATE and dead-lettered. A stopping
 * worker hands such records back unchanged. Returns the entries to send.
 */
/** What the check needs of the batch on its way (a `BatchRun`). */
export interface VerifyRun {
  readonly context: { readonly transport: Transport; readonly lingerMs: number };
  readonly policy: RetryPolicy;
  readonly control: { readonly stopping: AbortSignal };
  readonly batch: ClaimedBatch;
  readonly actions: SettleAction[];
  readonly report: { retries: { category: string; records: number }[] };
  readonly log: Logger;
}

export async function verifyResends(
  run: VerifyRun,
  group: TransportGroup,
  entries: readonly BatchEntry[],
): Promise<readonly BatchEntry[]> {
  const transport = run.context.transport;
  if (!verifiedBeforeResend(group) || !transport.findIds) return entries;
  const doubtful = entries.filter(
    (e) =>
      Boolean(e.uncertain) &&
      deliveryKind(group, e.data, transport.keysRolesByFields === true, run.policy.activityAtLeastOnce) ===
        'checked-create',
  );
  if (doubtful.length === 0) return entries;
  const call = { group, records: doubtful.map((e) => e.data) } as TransportCall;
  const found = await transport.findIds(call, { stopping: run.control.stopping });
  const now = Date.now();
  const held = new Set<BatchEntry>();
  let foundCount = 0;
  let unsettled = 0;
  doubtful.forEach((entry, i) => {
    const f: FoundId = found[i] ?? { id: null, why: 'not answered' };
    if (f.id !== null) {
      held.add(entry);
      foundCount++;
      run.actions.push(settle.foundApplied(run.batch, entry, f.id, now));
    } else if (f.absent !== true) {
      held.add(entry);
      unsettled++;
      run.actions.push(unsettledAction(run, entry, f.why, now));
    }
  });
  if (foundCount + unsettled > 0)
    run.log.info('creates an earlier attempt may have applied, looked for before resending', {
      batch: run.batch.id,
      found: foundCount,
      notFound: doubtful.length - foundCount - unsettled,
      unsettled,
    });
  return entries.filter((e) => !held.has(e));
}

/** A record whose check failed: back, its doubt kept (stopping: no attempt burnt), else INDETERMINATE. */
function unsettledAction(run: VerifyRun, entry: BatchEntry, why: string, now: number) {
  // The record keeps its count of doubtful attempts (the buffer keeps it); this one added none.
  if (run.control.stopping.aborted) return settle.handBack(entry, now);
  if (!mayTryAgain(run.policy, entry.attempts))
    return settle.indeterminate(run.batch, entry, `the check in Marketo failed: ${why}`, now);
  const wait = backoffWait(run.policy, entry.attempts, Math.random());
  run.report.retries.push({ category: 'check-failed', records: 1 });
  return settle.retry(entry, settle.retryScore(now, wait, run.context.lingerMs), false);
}
