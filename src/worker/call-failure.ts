import type { SettleAction } from '../buffer/buffer.js';
import type { BatchEntry, ClaimedBatch } from '../buffer/types.js';
import type { Logger } from '../log.js';
import type { MarketoCallError, Transport, TransportGroup } from '../transport/contract.js';
import { deliveryKind } from './delivery-policy.js';
import { decide, type ScopeDecisions } from './retry-decision.js';
import type { RetryPolicy } from './retry-policy.js';
import type { PartFault } from './poison-split.js';
import * as settle from './settle-actions.js';
import { wireOf } from '../wire/registry.js';
import { groupName } from '../vocabulary/batch-groups.js';

/**
 * The part of a batch on its way (batch-run.ts `BatchRun`) that handling a failed call reads and
 * writes; named here so that this file does not import the run that calls it.
 */
export interface FailingRun {
  readonly actions: SettleAction[];
  readonly batch: ClaimedBatch;
  readonly report: {
    faults: { code: number | null; category: string; setting?: string }[];
    retries: { category: string; records: number }[];
    throttlePauses: number;
  };
  readonly policy: RetryPolicy;
  readonly log: Logger;
  readonly control: { stopping: AbortSignal };
  readonly context: {
    readonly transport: Transport;
    readonly buffer: {
      pauseUntil(untilMs: number): Promise<unknown>;
      pauseForRateWindow(untilMs: number, now: number, windowMs: number): Promise<number>;
      stopSending(reason: string, forMs: number): Promise<unknown>;
    };
    readonly lingerMs: number;
    readonly log: Logger;
  };
  sendPart(
    group: TransportGroup,
    entries: readonly BatchEntry[],
    tokenHeld: boolean,
  ): Promise<PartFault | undefined>;
}

/**
 * Carrying out the policy's decisions after a whole call failed: the effects every worker feels once
 * per call (a throttle pause, the quota park, the authentication stop), then one settle action per
 * record. Which decision applies is not decided here (retry-decision.ts `decide`).
 */

/**
 * Settles `entries`, the records of a failed call the transport did not settle (`settledBefore` came
 * before them in the call). Returns the records to isolate when the fault is a record's.
 */
export async function settleCallFailure(
  run: FailingRun,
  error: MarketoCallError,
  group: TransportGroup,
  entries: readonly BatchEntry[],
  settledBefore: number,
): Promise<PartFault | undefined> {
  if (entries.length === 0) return undefined;
  const now = Date.now();
  // `recordIndex` counts the call's records; `entries` are those after the ones the transport settled.
  const bad = error.recordIndex === undefined ? undefined : entries[error.recordIndex - settledBefore];
  if (bad !== undefined && error.category === 'invalid-record' && error.applied !== 'indeterminate') {
    // One record the transport could not even put on the wire: it alone fails, the rest go on.
    run.actions.push(settle.dead(run.batch, bad, error.message, error.code, now, error.field));
    return run.sendPart(
      group,
      entries.filter((e) => e !== bad),
      false,
    );
  }
  run.report.faults.push({
    code: settle.numericCode(error.code),
    category: error.category,
    ...(error.setting !== undefined ? { setting: error.setting } : {}),
  });
  // One jitter sample for the call: records of one call that go back together come back together.
  const jitter = Math.random();
  const decisions = entries.map((entry) =>
    decide(run.policy, {
      failure: {
        scope: 'call',
        category: error.category,
        applied: error.applied,
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      },
      kind: deliveryKind(
        group,
        entry.data,
        run.context.transport.keysRolesByFields === true,
        run.policy.activityAtLeastOnce,
      ),
      attempts: entry.attempts,
      stopping: run.control.stopping.aborted,
      now,
      jitter,
    }),
  );
  await applyCallEffects(run, error, decisions, now);
  if (error.category === 'read-only')
    run.log.error('object read-only in Marketo (native CRM sync): its group is held, not sent', {
      group: groupName(group),
      code: error.code,
      error: error.message,
      records: entries.length,
      retryInMs: run.policy.pauses.authMs,
    });
  // The shortest wait of the call's retries (the least-tried record's): they go back as one batch.
  const waits = decisions.flatMap((d) => (d.action === 'retry' ? [d.waitMs] : []));
  const score = waits.length > 0 ? settle.retryScore(now, Math.min(...waits), run.context.lingerMs) : now;
  const split = entries.filter((entry, i) => {
    const decision = decisions[i]!;
    if (decision.action === 'split') return true;
    run.actions.push(recordAction(run, entry, decision, error, score, now));
    return false;
  });
  reportFailure(run, error, decisions, waits);
  return split.length > 0 ? { fault: error, undecided: split } : undefined;
}

/** The settle action of one record of a failed call (records to isolate excluded). */
function recordAction(
  run: FailingRun,
  entry: BatchEntry,
  decision: Exclude<ScopeDecisions['call'], { action: 'split' }>,
  error: MarketoCallError,
  retryScore: number,
  now: number,
): SettleAction {
  switch (decision.action) {
    // Sending waits for everyone: the record goes straight back, no attempt burnt.
    case 'pause':
    case 'park':
    case 'stop':
      return settle.handBack(entry, now);
    case 'hand-back':
      return settle.handBack(
        entry,
        decision.waitMs > 0 ? settle.retryScore(now, decision.waitMs, run.context.lingerMs) : now,
        decision.uncertain,
      );
    case 'retry':
      return settle.retry(entry, retryScore, decision.uncertain);
    case 'give-up':
      return settle.dead(
        run.batch,
        entry,
        settle.gaveUp(entry, error.message, decision.uncertain),
        error.code,
        now,
      );
    case 'fail':
      return settle.dead(run.batch, entry, error.message, error.code, now);
    case 'indeterminate':
      return settle.indeterminate(run.batch, entry, error.message, now);
  }
}

/** What a failed call does for every worker, once: a pause, the quota park, or the authentication stop. */
async function applyCallEffects(
  run: FailingRun,
  error: MarketoCallError,
  decisions: readonly ScopeDecisions['call'][],
  now: number,
): Promise<void> {
  const { buffer, transport, log } = run.context;
  const pause = decisions.find((d) => d.action === 'pause');
  if (pause !== undefined) {
    // A full rate window frees a call when its oldest call leaves it, often long before a whole window.
    const untilMs =
      error.rateWindow === true
        ? await buffer.pauseForRateWindow(pause.untilMs, now, run.policy.pauses.throttleMs)
        : (await buffer.pauseUntil(pause.untilMs), pause.untilMs);
    run.report.throttlePauses++;
    log.warn('Marketo throttled: pausing every worker', { code: error.code, pauseMs: untilMs - now });
  }
  const park = decisions.find((d) => d.action === 'park');
  if (park !== undefined) {
    await buffer.pauseUntil(park.untilMs);
    log.error('daily API quota used up: sending parked until the reset', {
      resetAt: new Date(park.untilMs).toISOString(),
    });
  }
  const stop = decisions.find((d) => d.action === 'stop');
  if (stop !== undefined) {
    // A configuration fault names its setting; an authentication fault points at the credentials.
    const settings = error.setting ?? wireOf(transport.kind).credentialSettings;
    const what = error.category === 'config' ? 'configuration fault' : 'authentication failed';
    await buffer.stopSending(
      `${what} (${error.code ?? 'no code'}): ${error.message}; check ${settings}`,
      stop.forMs,
    );
    log.error(`${what}: sending stopped`, {
      code: error.code,
      setting: settings,
      error: error.message,
      retryInMs: stop.forMs,
    });
  }
}

/** The report's and the log's account of a failed call. */
function reportFailure(
  run: FailingRun,
  error: MarketoCallError,
  decisions: readonly ScopeDecisions['call'][],
  waits: readonly number[],
): void {
  const { batch, log } = run;
  const count = (...actions: ScopeDecisions['call']['action'][]): number =>
    decisions.filter((d) => actions.includes(d.action)).length;
  const back = count('pause', 'park', 'stop', 'retry');
  if (back > 0) run.report.retries.push({ category: error.category, records: back });
  if (waits.length > 0)
    log.warn('call failed: retrying with backoff', {
      category: error.category,
      code: error.code,
      applied: error.applied,
      error: error.message,
      backoffMs: Math.min(...waits),
    });
  const surfaced = count('indeterminate');
  if (surfaced > 0)
    log.error('a create may have been applied: its records are INDETERMINATE and dead-lettered', {
      batch: batch.id,
      group: batch.group,
      records: surfaced,
      error: error.message,
    });
  const refused = count('fail');
  if (refused > 0)
    log.error('Marketo refused the request as malformed: records dead-lettered', {
      code: error.code,
      records: refused,
      error: error.message,
    });
}
