import type { RedisBuffer, SettleAction } from '../buffer/buffer.js';
import type { BatchEntry, ClaimedBatch, Outcome, StoredLead, StoredMObject } from '../buffer/types.js';
import type { Logger } from '../log.js';
import {
  MarketoCallError,
  OBJECT_OPERATIONS,
  parseGroupName,
  regroupLegacyBatch,
  type RecordResult,
  type Transport,
  type TransportCall,
  type TransportGroup,
} from '../transport/contract.js';
import { backoffMs, nextMidnight } from './backoff.js';
import { failureAction } from './delivery-policy.js';
import { DEFAULT_SPLIT_CALL_BUDGET, isolateRecordFault } from './poison-split.js';

/** How the sender treats failures. */
export interface SendPolicy {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  lingerMs: number;
  rateLimit: number;
  rateWindowMs: number;
  authPauseMs: number;
  /** Extra calls a batch may spend isolating the records behind a whole-call record fault. */
  splitCallBudget?: number;
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

const NEVER = new AbortController().signal;

/** What happened to a batch, for metrics and logs. */
export interface SendReport {
  calls: number;
  /** `setting`: for a configuration fault, the setting it names. */
  faults: { code: number | null; category: string; setting?: string }[];
  retries: { category: string; records: number }[];
  throttlePauses: number;
}

/** One record's result as the sender keeps it: the transport's, or the sender's own for a record it settles. */
interface Settled {
  status: string;
  id: string | null;
  error: string | null;
  note?: string;
}

/** A Marketo code as the dead letter keeps it: a number, or null for none or a local condition. */
function numericCode(code: string | null): number | null {
  return code !== null && /^\d{1,9}$/.test(code) ? Number(code) : null;
}

/** The dead letter's field: an attribute by its name (as Marketo names it in a fault), else the path. */
function deadField(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  return field.startsWith('attributes.') ? field.slice('attributes.'.length) : field;
}

/** An id as outcomes keep it: a number when it is one (lead and program ids), else the text (marketoGUID). */
function outcomeId(id: string | null): number | string | null {
  if (id === null || id === '') return null;
  if (/^\d{1,15}$/.test(id)) {
    const n = Number(id);
    return n > 0 ? n : null;
  }
  return id;
}

function fromResult(result: RecordResult): Settled {
  return { status: result.status, id: result.id, error: result.message };
}

/** One call's worth of records of one transport group, inside a claimed batch. */
interface Part {
  group: TransportGroup;
  entries: BatchEntry[];
}

function earlierAttempts(n: number): string {
  return `${n} earlier attempt${n > 1 ? 's' : ''}`;
}

/**
 * What a record's result means when an earlier attempt may already have applied it: an INSERT answered
 * SKIPPED (its key exists) was most probably created by that attempt; anything else says so.
 */
function settledAfterDoubt(entry: BatchEntry, result: Settled): Settled {
  if (!entry.uncertain) return result;
  const earlier = `${earlierAttempts(entry.uncertain)} ended indeterminate`;
  if (result.status === 'SKIPPED')
    return {
      ...result,
      status: 'PROBABLY_CREATED',
      note: `${earlier}; Marketo answered SKIPPED to the resend (the key exists), so that attempt most probably created it`,
    };
  return { ...result, note: `${earlier}; Marketo answered ${result.status} to the resend` };
}

/**
 * Sends one claimed batch through a {@link Transport} and decides every record's fate: an outcome, a
 * retry (with or without an attempt burnt), or the dead-letter set, by the delivery policy's table
 * (delivery-policy.ts). A whole-call fault caused by a record is split down until the guilty records
 * are isolated, so their neighbours still go through. Nothing here knows the wire.
 */
export class BatchSender {
  // Batches whose isolation is sending a part: a record fault of the part goes back to the isolation.
  readonly #isolating = new Map<string, { fault?: MarketoCallError }>();

  constructor(
    private readonly transport: Transport,
    private readonly buffer: RedisBuffer,
    private readonly policy: SendPolicy,
    private readonly log: Logger,
  ) {}

  /** The largest batch to claim from `group` (a buffer group name): the transport's maximum. */
  maxRecords(group: string): number {
    const parsed = parseGroupName(group);
    if (parsed !== undefined) return this.transport.maxRecords(parsed);
    // A group of a release before the seam (L, O:<operation>): its batch is regrouped and cut to size
    // in send(), so it may be claimed as large as the transport's lead or opportunity calls.
    const operation = OBJECT_OPERATIONS.find((o) => group === `O:${o}`) ?? 'UPSERT';
    return this.transport.maxRecords(
      group === 'L'
        ? { kind: 'lead', key: 'Email', dedupEnabled: true }
        : { kind: 'object', type: 'Opportunity', operation },
    );
  }

  async send(
    batch: ClaimedBatch,
    control: DeliveryControl = { stopping: NEVER, abandon: NEVER },
  ): Promise<{ actions: SettleAction[]; report: SendReport }> {
    const report: SendReport = { calls: 0, faults: [], retries: [], throttlePauses: 0 };
    const actions: SettleAction[] = [];
    const now = Date.now();
    let tokenHeld = true;
    for (const part of this.#parts(batch, actions, now)) {
      // A record an earlier attempt may have applied (its batch was recovered after a crash or a lost
      // lease) is treated as if that attempt had just failed indeterminately: a create is not sent again.
      const send: BatchEntry[] = [];
      for (const entry of part.entries) {
        if (entry.uncertain && this.#onDoubt(part.group, entry) === 'indeterminate') {
          const reason = `${earlierAttempts(entry.uncertain)} ended without an answer (worker crash or lost lease)`;
          actions.push(this.#indeterminate(batch, entry, reason, now));
        } else send.push(entry);
      }
      if (send.length < part.entries.length)
        this.log.error('a create may have been applied: its records are INDETERMINATE and dead-lettered', {
          batch: batch.id,
          group: batch.group,
          records: part.entries.length - send.length,
        });
      // A batch of an older release's group may hold more than one call of the transport can carry.
      const max = this.transport.maxRecords(part.group);
      for (let i = 0; i < send.length; i += max) {
        await this.#sendPart(batch, part.group, send.slice(i, i + max), actions, report, tokenHeld, control);
        tokenHeld = false;
      }
    }
    return { actions, report };
  }

  /**
   * The calls' worth of a batch: its own group, or, for a batch of a group of a release before the
   * transport seam (`L`, `O:UPDATE`, …), its records regrouped into transport groups. A record that fits
   * no group is dead-lettered naming why.
   */
  #parts(batch: ClaimedBatch, actions: SettleAction[], now: number): Part[] {
    const group = parseGroupName(batch.group);
    if (group !== undefined) return [{ group, entries: batch.entries }];
    const records = batch.entries.map((e) => e.data as StoredLead | StoredMObject);
    const { parts, unplaced } = regroupLegacyBatch(batch.group, records);
    for (const index of unplaced) {
      const entry = batch.entries[index]!;
      const error = `no batch group fits this record (group ${batch.group}): no lead key, or an unknown object type`;
      actions.push(this.#dead(batch, entry, { status: 'FAILED', id: null, error }, null, now));
    }
    return parts.map((p) => ({ group: p.group, entries: p.indexes.map((i) => batch.entries[i]!) }));
  }

  async #call(group: TransportGroup, entries: readonly BatchEntry[], control: DeliveryControl) {
    const call = { group, records: entries.map((e) => e.data) } as TransportCall;
    const results = await this.transport.send(call, { signal: control.abandon, stopping: control.stopping });
    if (results.length !== entries.length)
      throw new MarketoCallError(
        `the transport answered ${results.length} results for ${entries.length} records`,
        { category: 'indeterminate', code: 'count-mismatch', applied: 'indeterminate' },
      );
    return results;
  }

  async #sendPart(
    batch: ClaimedBatch,
    group: TransportGroup,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    tokenHeld: boolean,
    control: DeliveryControl,
  ): Promise<void> {
    if (entries.length === 0) return;
    // After SIGTERM no call starts: what has not been sent goes back, untouched, for another worker.
    if (
      control.stopping.aborted ||
      (!tokenHeld && !(await this.#waitForToken(`${batch.id}:${report.calls}`, control.stopping)))
    ) {
      this.#handBack(entries, actions);
      return;
    }
    report.calls++;
    let results: RecordResult[];
    try {
      results = await this.#call(group, entries, control);
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      // Records before the failure that the transport settled (it split the call into requests).
      const settled = error.settled.slice(0, entries.length);
      this.#settleResults(batch, group, entries.slice(0, settled.length), settled, actions, report);
      const rest = entries.slice(settled.length);
      await this.#onCallError(error, batch, group, rest, actions, report, control, settled.length);
      return;
    }
    this.#settleResults(batch, group, entries, results, actions, report);
  }

  #settleResults(
    batch: ClaimedBatch,
    group: TransportGroup,
    entries: readonly BatchEntry[],
    results: readonly RecordResult[],
    actions: SettleAction[],
    report: SendReport,
  ): void {
    const now = Date.now();
    entries.forEach((entry, i) => {
      const result = results[i]!;
      if (result.status !== 'FAILED') {
        actions.push({
          key: entry.key,
          action: 'done',
          outcome: this.#outcome(batch, entry, settledAfterDoubt(entry, fromResult(result)), now),
        });
        return;
      }
      const category = result.category ?? 'invalid-record';
      if (category === 'indeterminate') {
        // Marketo did not say whether this record was applied.
        const action = this.#onDoubt(group, entry);
        if (action === 'indeterminate')
          actions.push(this.#indeterminate(batch, entry, result.message ?? 'no answer for this record', now));
        else
          actions.push({
            ...this.#retry(entry, now, true),
            ...(action === 'resend-checked' ? { uncertain: true } : {}),
          });
        report.retries.push({ category: 'record-indeterminate', records: 1 });
        return;
      }
      // A record Marketo could not apply this time (e.g. SOAP 20106 Lead Sync Failed) gets one more try.
      if ((category === 'transient' || category === 'throttle') && entry.attempts < 1) {
        actions.push(this.#retry(entry, now, true));
        report.retries.push({ category: `record-${result.code ?? category}`, records: 1 });
        return;
      }
      const action = this.#dead(batch, entry, fromResult(result), numericCode(result.code), now);
      const field = deadField(result.field);
      if (field !== undefined && action.action === 'dead') action.dead.field = field;
      actions.push(action);
    });
  }

  async #onCallError(
    error: MarketoCallError,
    batch: ClaimedBatch,
    group: TransportGroup,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    control: DeliveryControl,
    settledBefore = 0,
  ): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    const code = numericCode(error.code);
    // `recordIndex` counts the call's records; `entries` are those after the ones the transport settled.
    const bad = error.recordIndex === undefined ? undefined : entries[error.recordIndex - settledBefore];
    if (bad !== undefined && error.category === 'invalid-record' && error.applied !== 'indeterminate') {
      // One record the transport could not even put on the wire: it alone fails, the rest go on.
      const action = this.#dead(batch, bad, { status: 'FAILED', id: null, error: error.message }, code, now);
      const field = deadField(error.field);
      if (field !== undefined && action.action === 'dead') action.dead.field = field;
      actions.push(action);
      await this.#sendPart(
        batch,
        group,
        entries.filter((e) => e !== bad),
        actions,
        report,
        false,
        control,
      );
      return;
    }
    report.faults.push({
      code,
      category: error.category,
      ...(error.setting !== undefined ? { setting: error.setting } : {}),
    });
    // Throttle, quota and authentication burn no attempt: the records simply go back.
    const retryAll = (): void => {
      for (const entry of entries) actions.push({ key: entry.key, action: 'retry', score: now, burn: false });
      report.retries.push({ category: error.category, records: entries.length });
    };
    // The policy's rows for these categories treat every kind of record alike; see delivery-policy.ts.
    switch (failureAction(error.category, group, entries[0]!.data, error.applied)) {
      case 'pause': {
        // The rate window is full, or too many calls run at once: every worker waits, no attempt burnt.
        // Marketo's hint is capped by the configured window, which stands for Marketo's.
        const wait =
          error.retryAfterMs !== undefined
            ? Math.min(error.retryAfterMs, this.policy.rateWindowMs)
            : this.policy.rateWindowMs;
        await this.buffer.pauseUntil(now + wait);
        report.throttlePauses++;
        this.log.warn('Marketo throttled: pausing every worker', { code: error.code, pauseMs: wait });
        retryAll();
        return;
      }
      case 'park': {
        const until = nextMidnight(now);
        await this.buffer.pauseUntil(until);
        this.log.error('daily API quota used up: sending parked until the reset', {
          resetAt: new Date(until).toISOString(),
        });
        retryAll();
        return;
      }
      case 'stop': {
        const settings =
          error.setting ??
          (this.transport.kind === 'rest'
            ? 'MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET and the API user’s permissions'
            : 'MARKETO_USER_ID and MARKETO_ENCRYPTION_KEY');
        const what = error.category === 'config' ? 'configuration fault' : 'authentication failed';
        await this.buffer.stopSending(
          `${what} (${error.code ?? 'no code'}): ${error.message}; check ${settings}`,
          this.policy.authPauseMs,
        );
        this.log.error(`${what}: sending stopped`, {
          code: error.code,
          setting: settings,
          error: error.message,
          retryInMs: this.policy.authPauseMs,
        });
        retryAll();
        return;
      }
      case 'split': {
        const probe = this.#isolating.get(batch.id);
        if (probe) probe.fault = error;
        else await this.#isolate(error, batch, group, entries, actions, report, control);
        return;
      }
      case 'dead-letter':
        for (const entry of entries)
          actions.push(
            this.#dead(batch, entry, { status: 'FAILED', id: null, error: error.message }, code, now),
          );
        this.log.error('Marketo refused the request as malformed: records dead-lettered', {
          code: error.code,
          records: entries.length,
          error: error.message,
        });
        return;
      default:
        // transient, re-auth (still refused after renewing), indeterminate.
        this.#resendWhatIsSafe(error, batch, group, entries, actions, report, control, now);
    }
  }

  async #isolate(
    fault: MarketoCallError,
    batch: ClaimedBatch,
    group: TransportGroup,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    control: DeliveryControl,
  ): Promise<void> {
    const budget = this.policy.splitCallBudget ?? DEFAULT_SPLIT_CALL_BUDGET;
    const summary = await isolateRecordFault({
      fault,
      entries,
      budget,
      send: async (part) => {
        const probe: { fault?: MarketoCallError } = {};
        this.#isolating.set(batch.id, probe);
        try {
          await this.#sendPart(batch, group, part, actions, report, false, control);
        } finally {
          this.#isolating.delete(batch.id);
        }
        return probe.fault;
      },
      fail: (entry, cause, field) => {
        const action = this.#dead(
          batch,
          entry,
          { status: 'FAILED', id: null, error: cause.message },
          numericCode(cause.code),
          Date.now(),
        );
        if (field !== undefined && action.action === 'dead') action.dead.field = field;
        actions.push(action);
      },
      giveBack: (undecided, cause) => {
        const now = Date.now();
        for (const entry of undecided) {
          const error = `not isolated within ${budget} split calls in ${entry.attempts + 1} attempts: ${cause.message}`;
          actions.push(
            entry.attempts + 1 >= this.policy.maxAttempts
              ? this.#dead(batch, entry, { status: 'FAILED', id: null, error }, numericCode(cause.code), now)
              : this.#retry(entry, now, true),
          );
        }
        report.retries.push({ category: 'split-budget', records: undecided.length });
      },
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

  /**
   * After a failure that applied nothing, or may have applied everything: record by record, by what a
   * second application would do, resend with backoff or surface it as INDETERMINATE.
   */
  #resendWhatIsSafe(
    error: MarketoCallError,
    batch: ClaimedBatch,
    group: TransportGroup,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    control: DeliveryControl,
    now: number,
  ): void {
    const resend: { entry: BatchEntry; uncertain: boolean }[] = [];
    let surfaced = 0;
    for (const entry of entries) {
      const action = failureAction(
        error.category,
        group,
        entry.data,
        error.applied,
        this.transport.keysRolesByFields === true,
      );
      if (action === 'indeterminate') {
        actions.push(this.#indeterminate(batch, entry, error.message, now));
        surfaced++;
      } else resend.push({ entry, uncertain: action === 'resend-checked' });
    }
    if (surfaced > 0)
      this.log.error('a create may have been applied: its records are INDETERMINATE and dead-lettered', {
        batch: batch.id,
        group: batch.group,
        records: surfaced,
        error: error.message,
      });
    if (resend.length === 0) return;
    const doubt = (uncertain: boolean): { uncertain?: true } => (uncertain ? { uncertain } : {});
    if (control.stopping.aborted) {
      // Shutting down: the records go straight back for another worker; no attempt burnt.
      for (const { entry, uncertain } of resend)
        actions.push({ key: entry.key, action: 'retry', score: now, burn: false, ...doubt(uncertain) });
      return;
    }
    const attempt = Math.min(...resend.map((r) => r.entry.attempts));
    const wait = backoffMs(attempt, this.policy.backoffBaseMs, this.policy.backoffMaxMs);
    this.log.warn('call failed: retrying with backoff', {
      category: error.category,
      code: error.code,
      applied: error.applied,
      error: error.message,
      backoffMs: wait,
    });
    const score = now + wait - this.policy.lingerMs;
    for (const { entry, uncertain } of resend) {
      if (entry.attempts + 1 >= this.policy.maxAttempts) {
        const reason = `gave up after ${entry.attempts + 1} attempts: ${error.message}`;
        actions.push(
          this.#dead(
            batch,
            entry,
            { status: 'FAILED', id: null, error: reason },
            numericCode(error.code),
            now,
          ),
        );
      } else actions.push({ key: entry.key, action: 'retry', score, burn: true, ...doubt(uncertain) });
    }
    report.retries.push({ category: error.category, records: resend.length });
  }

  /** What to do with a record that may have been applied (the transport's keys decide what is checked). */
  #onDoubt(group: TransportGroup, entry: BatchEntry) {
    return failureAction(
      'indeterminate',
      group,
      entry.data,
      'indeterminate',
      this.transport.keysRolesByFields === true,
    );
  }

  /** Takes a rate token for one more call; false when the worker began stopping meanwhile. */
  async #waitForToken(member: string, stopping: AbortSignal): Promise<boolean> {
    return takeRateToken(this.buffer, this.policy, member, stopping);
  }

  /** Records never sent go back as they were, eligible at once, no attempt burnt. */
  #handBack(entries: readonly BatchEntry[], actions: SettleAction[]): void {
    const now = Date.now();
    for (const entry of entries) actions.push({ key: entry.key, action: 'retry', score: now, burn: false });
  }

  /** A create that Marketo may have applied: said so, and dead-lettered for an operator to decide. */
  #indeterminate(batch: ClaimedBatch, entry: BatchEntry, reason: string, now: number): SettleAction {
    const error = `the call may have been applied (${reason}); not resent, because a second application would create a duplicate: check Marketo, and redrive it (mktsync dlq redrive) only if Marketo does not have it`;
    const outcome = this.#outcome(batch, entry, { status: 'INDETERMINATE', id: null, error }, now);
    return {
      key: entry.key,
      action: 'dead',
      outcome,
      dead: {
        key: entry.key,
        reason: `INDETERMINATE: ${error}`,
        code: null,
        attempts: entry.attempts + 1,
        at: now,
      },
    };
  }

  #retry(entry: BatchEntry, now: number, burn: boolean): SettleAction & { action: 'retry' } {
    const wait = backoffMs(entry.attempts, this.policy.backoffBaseMs, this.policy.backoffMaxMs);
    return { key: entry.key, action: 'retry', score: now + wait - this.policy.lingerMs, burn };
  }

  #outcome(batch: ClaimedBatch, entry: BatchEntry, result: Settled, now: number): Outcome {
    const note = result.note !== undefined ? { note: result.note } : {};
    return {
      key: entry.key,
      status: result.status,
      id: outcomeId(result.id),
      error: result.error,
      batch: batch.id,
      attempt: entry.attempts + 1,
      firstSeq: entry.first,
      lastSeq: entry.last,
      changes: entry.count,
      latencyMs: now - entry.t0,
      at: now,
      ...note,
    };
  }

  #dead(
    batch: ClaimedBatch,
    entry: BatchEntry,
    result: Settled,
    code: number | null,
    now: number,
  ): SettleAction {
    const outcome = this.#outcome(batch, entry, { ...result, status: 'FAILED' }, now);
    return {
      key: entry.key,
      action: 'dead',
      outcome,
      dead: { key: entry.key, reason: result.error ?? 'failed', code, attempts: entry.attempts + 1, at: now },
    };
  }
}

/**
 * Takes one rate token of the shared limiter for a call outside a claim (a split call, another part of
 * a batch, a REST Describe request), waiting while the window is full; false when `stopping` aborted.
 */
export async function takeRateToken(
  buffer: RedisBuffer,
  policy: Pick<SendPolicy, 'rateLimit' | 'rateWindowMs'>,
  member: string,
  stopping?: AbortSignal,
): Promise<boolean> {
  for (;;) {
    if (stopping?.aborted) return false;
    const wait = await buffer.takeToken(
      { rateMax: policy.rateLimit, rateWindowMs: policy.rateWindowMs },
      member,
    );
    if (wait === 0) return !stopping?.aborted;
    await new Promise((r) => setTimeout(r, Math.min(wait, 1_000)));
  }
}
