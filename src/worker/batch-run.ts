import type { RedisBuffer, SettleAction } from '../buffer/buffer.js';
import type { BatchEntry, ClaimedBatch } from '../buffer/types.js';
import type { Logger } from '../log.js';
import {
  type FoundId,
  MarketoCallError,
  type RecordResult,
  type Transport,
  type TransportCall,
  type TransportGroup,
} from '../transport/contract.js';
import { settleCallFailure } from './call-failure.js';
import { deliveryKind } from './delivery-policy.js';
import { decide } from './retry-decision.js';
import { isolateRecordFault, type PartFault } from './poison-split.js';
import { takeRateToken, type RateLimit } from './rate-token.js';
import type { RetryPolicy } from './retry-policy.js';
import * as settle from './settle-actions.js';
import { verifyResends } from './verify-resend.js';

/**
 * How long a record that waits for its lead's change stays back before it is claimed again: about one
 * lead call's time, so that it does not spin while the lead is in flight.
 */
const LEAD_WAIT_MS = 1_000;

/** What every batch a sender sends shares: the way to Marketo, the buffer, the policy. */
export interface SenderContext {
  readonly transport: Transport;
  readonly buffer: RedisBuffer;
  readonly policy: RetryPolicy;
  /** The claim's linger time (`MKTSYNC_LINGER_MS`), which a retry's score allows for. */
  readonly lingerMs: number;
  readonly rate: RateLimit;
  readonly log: Logger;
}

/**
 * How a stopping worker reins in a batch: after `stopping` no new call starts (no split call, no
 * internal retry, no re-signed resend, no token wait that ends in a call); at `abandon` the call in
 * flight is given up and its records follow the delivery policy.
 */
export interface DeliveryControl {
  stopping: AbortSignal;
  abandon: AbortSignal;
}

/** What happened to a batch, for metrics and logs. */
export interface SendReport {
  calls: number;
  /** `setting`: for a configuration fault, the setting it names. */
  faults: { code: number | null; category: string; setting?: string }[];
  /** Records put back for another attempt, by why. */
  retries: { category: string; records: number }[];
  throttlePauses: number;
}

/**
 * One claimed batch on its way: the context every step needs, and what the steps decided so far (the
 * settle actions, one per record, and the report). Each record of the batch gets exactly one action.
 */
export class BatchRun {
  readonly actions: SettleAction[] = [];
  readonly report: SendReport = { calls: 0, faults: [], retries: [], throttlePauses: 0 };

  constructor(
    readonly context: SenderContext,
    readonly batch: ClaimedBatch,
    readonly control: DeliveryControl,
  ) {}

  get policy(): RetryPolicy {
    return this.context.policy;
  }

  get log(): Logger {
    return this.context.log;
  }

  /**
   * Sends `entries` of `group` as one call and settles every record, but for a whole-call record fault:
   * then the records it leaves undecided are returned with it, for {@link isolate}. `tokenHeld`: the
   * claim took the rate token for this call.
   */
  async sendPart(
    group: TransportGroup,
    entries: readonly BatchEntry[],
    tokenHeld: boolean,
  ): Promise<PartFault | undefined> {
    if (entries.length === 0) return undefined;
    // A create that Marketo would apply twice is looked for first if an earlier attempt may have applied it.
    entries = await verifyResends(this, group, entries);
    if (entries.length === 0) return undefined;
    // After SIGTERM no call starts: what has not been sent goes back, untouched, for another worker.
    if (this.control.stopping.aborted || (!tokenHeld && !(await this.#takeToken()))) {
      const now = Date.now();
      for (const entry of entries) this.actions.push(settle.handBack(entry, now));
      return undefined;
    }
    this.report.calls++;
    let results: RecordResult[];
    try {
      results = await this.#call(group, entries);
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      // Records before the failure that the transport settled (it split the call into requests).
      const settled = error.settled.slice(0, entries.length);
      this.settleResults(group, entries.slice(0, settled.length), settled);
      return settleCallFailure(this, error, group, entries.slice(settled.length), settled.length);
    }
    this.settleResults(group, entries, results, await this.#findIds(group, entries, results));
    return undefined;
  }

  /**
   * The ids of probable creates whose answer carried none, looked up by their keys (one request per
   * 300 keys, each with a rate token); empty when there are none or the wire needs no lookup.
   */
  async #findIds(
    group: TransportGroup,
    entries: readonly BatchEntry[],
    results: readonly RecordResult[],
  ): Promise<Map<number, FoundId>> {
    const found = new Map<number, FoundId>();
    const transport = this.context.transport;
    const wanted = entries.flatMap((entry, i) => (settle.needsIdLookup(entry, results[i]!) ? [i] : []));
    if (wanted.length === 0 || !transport.findIds) return found;
    const call = { group, records: wanted.map((i) => entries[i]!.data) } as TransportCall;
    const ids = await transport.findIds(call, { stopping: this.control.stopping });
    wanted.forEach((index, j) => found.set(index, ids[j] ?? { id: null, why: 'not answered' }));
    const missing = ids.filter((f) => f.id === null).length;
    if (missing > 0)
      this.log.warn('probable creates left without an id: the lookup by key found none', {
        records: missing,
        why: ids.find((f) => f.id === null && 'why' in f)?.why,
      });
    return found;
  }

  /** Settles each record by its result in an answer; a FAILED one as the policy decides. */
  settleResults(
    group: TransportGroup,
    entries: readonly BatchEntry[],
    results: readonly RecordResult[],
    found: ReadonlyMap<number, FoundId> = new Map(),
  ): void {
    const now = Date.now();
    entries.forEach((entry, i) =>
      this.actions.push(this.#settleResult(group, entry, results[i]!, now, found.get(i))),
    );
  }

  #settleResult(
    group: TransportGroup,
    entry: BatchEntry,
    result: RecordResult,
    now: number,
    found?: FoundId,
  ): SettleAction {
    if (result.status !== 'FAILED') return settle.done(this.batch, entry, result, now, found);
    // Not sent: its lead's own change is on its way. Back without an attempt burnt, after that change.
    if (result.waitsFor !== undefined) {
      this.report.retries.push({ category: 'waits-for-lead', records: 1 });
      return settle.handBack(entry, now + LEAD_WAIT_MS);
    }
    const category = result.category ?? 'invalid-record';
    const decision = decide(this.policy, {
      failure: { scope: 'record', category },
      kind: deliveryKind(
        group,
        entry.data,
        this.context.transport.keysRolesByFields === true,
        this.policy.activityAtLeastOnce,
      ),
      attempts: entry.attempts,
      stopping: this.control.stopping.aborted,
      now,
      jitter: Math.random(),
    });
    // Marketo did not say whether an indeterminate record was applied.
    const reason = result.message ?? (category === 'indeterminate' ? 'no answer for this record' : null);
    switch (decision.action) {
      case 'retry': {
        const why = category === 'indeterminate' ? 'indeterminate' : (result.code ?? category);
        this.report.retries.push({ category: `record-${why}`, records: 1 });
        const score = settle.retryScore(now, decision.waitMs, this.context.lingerMs);
        return settle.retry(entry, score, decision.uncertain);
      }
      case 'give-up':
        return settle.dead(
          this.batch,
          entry,
          settle.gaveUp(entry, reason, decision.uncertain),
          result.code,
          now,
        );
      case 'indeterminate':
        return settle.indeterminate(this.batch, entry, reason ?? 'no answer for this record', now);
      case 'fail':
        return settle.dead(this.batch, entry, reason, result.code, now, result.field);
    }
  }

  /**
   * Finds the records behind a whole-call record fault by splitting, within the split-call budget;
   * records still undecided then go back with an attempt burnt, while attempts are left.
   */
  async isolate(group: TransportGroup, faulted: PartFault): Promise<void> {
    const { fault } = faulted;
    const budget = this.policy.splitCallBudget;
    const summary = await isolateRecordFault({
      fault,
      entries: faulted.undecided,
      budget,
      send: (part) => this.sendPart(group, part, false),
      fail: (entry, cause, field) =>
        this.actions.push(settle.dead(this.batch, entry, cause.message, cause.code, Date.now(), field)),
      giveBack: (undecided, cause) => this.#giveBack(group, undecided, cause),
    });
    for (const [field, records] of summary.failedByField)
      this.log.error('Marketo refuses a field: every record carrying it is dead-lettered; fix the mapping', {
        field,
        records,
        code: fault.code,
      });
    this.log.info('whole-call fault caused by records: isolated', {
      code: fault.code,
      calls: summary.calls,
      isolated: summary.isolated,
      undecided: summary.undecided,
    });
  }

  #giveBack(group: TransportGroup, undecided: readonly BatchEntry[], cause: MarketoCallError): void {
    const now = Date.now();
    const back = undecided.filter((entry) => {
      const action = this.#undecidedAction(group, entry, cause, now);
      this.actions.push(action);
      return action.action === 'retry';
    });
    if (back.length > 0) this.report.retries.push({ category: 'split-budget', records: back.length });
  }

  #undecidedAction(
    group: TransportGroup,
    entry: BatchEntry,
    cause: MarketoCallError,
    now: number,
  ): SettleAction {
    const decision = decide(this.policy, {
      failure: { scope: 'split-budget', category: cause.category, applied: cause.applied },
      kind: deliveryKind(
        group,
        entry.data,
        this.context.transport.keysRolesByFields === true,
        this.policy.activityAtLeastOnce,
      ),
      attempts: entry.attempts,
      stopping: this.control.stopping.aborted,
      now,
      jitter: Math.random(),
    });
    switch (decision.action) {
      case 'retry':
        return settle.retry(entry, settle.retryScore(now, decision.waitMs, this.context.lingerMs), false);
      case 'give-up': {
        const error = `not isolated within ${this.policy.splitCallBudget} split calls in ${entry.attempts + 1} attempts: ${cause.message}`;
        return settle.dead(this.batch, entry, error, cause.code, now);
      }
    }
  }

  async #call(group: TransportGroup, entries: readonly BatchEntry[]): Promise<RecordResult[]> {
    const call = { group, records: entries.map((e) => e.data) } as TransportCall;
    const results = await this.context.transport.send(call, {
      signal: this.control.abandon,
      stopping: this.control.stopping,
    });
    if (results.length !== entries.length)
      throw new MarketoCallError(
        `the transport answered ${results.length} results for ${entries.length} records`,
        { category: 'indeterminate', code: 'count-mismatch', applied: 'indeterminate' },
      );
    return results;
  }

  /** Takes a rate token for one more call; false when the worker began stopping meanwhile. */
  #takeToken(): Promise<boolean> {
    const member = `${this.batch.id}:${this.report.calls}`;
    return takeRateToken(this.context.buffer, this.context.rate, member, this.control.stopping);
  }
}
