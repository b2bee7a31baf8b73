import type { RedisBuffer, SettleAction } from '../buffer/buffer.js';
import {
  isLeadGroup,
  type BatchEntry,
  type ClaimedBatch,
  type Outcome,
  type StoredLead,
  type StoredMObject,
} from '../buffer/types.js';
import type { Logger } from '../log.js';
import type { MarketoSoapClient } from '../soap/client.js';
import { MarketoFault, SoapError } from '../soap/faults.js';
import type { LeadRecord, MObject, SyncOperation } from '../soap/types.js';
import { XmlTextError } from '../soap/xml-text.js';
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
  faults: { code: number | null; category: string }[];
  retries: { category: string; records: number }[];
  throttlePauses: number;
}

const FAILED_CODE = /^(\d{5})\b/;

function leadRecord(data: StoredLead): LeadRecord {
  const record: LeadRecord = {
    attributes: Object.entries(data.attributes).map(([name, value]) => ({ name, value })),
  };
  if (data.Id !== undefined) record.Id = data.Id;
  if (data.Email !== undefined) record.Email = data.Email;
  if (data.ForeignSysPersonId !== undefined) record.ForeignSysPersonId = data.ForeignSysPersonId;
  if (data.ForeignSysType !== undefined) record.ForeignSysType = data.ForeignSysType;
  return record;
}

function mobject(data: StoredMObject): MObject {
  const object: MObject = { type: data.type };
  if (data.id !== undefined) object.id = data.id;
  if (data.externalKey !== undefined) object.externalKey = data.externalKey;
  if (data.attributes !== undefined)
    object.attributes = Object.entries(data.attributes).map(([name, value]) => ({ name, value }));
  if (data.typeAttributes !== undefined) {
    object.typeAttributes = data.typeAttributes.map((t) => ({
      attrType: t.attrType,
      attributes: Object.entries(t.attributes).map(([name, value]) => ({ name, value })),
    }));
  }
  if (data.associations !== undefined) object.associations = data.associations;
  return object;
}

/** One record's result of a call: what Marketo said, before policy turns it into an action. */
interface RecordResult {
  status: string;
  id: number;
  error?: string;
  note?: string;
}

function earlierAttempts(n: number): string {
  return `${n} earlier attempt${n > 1 ? 's' : ''}`;
}

/**
 * What a record's result means when an earlier attempt may already have applied it: an INSERT answered
 * SKIPPED (its key exists) was most probably created by that attempt; anything else says so.
 */
function settledAfterDoubt(entry: BatchEntry, result: RecordResult): RecordResult {
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
 * Sends one claimed batch and decides every record's fate: an outcome, a retry (with or without an
 * attempt burnt), or the dead-letter set. A whole-call fault caused by a record is split down until
 * the guilty records are isolated, so their neighbours still go through.
 */
export class BatchSender {
  // Batches whose isolation is sending a part: a record fault of the part goes back to the isolation.
  readonly #isolating = new Map<string, { fault?: SoapError }>();

  constructor(
    private readonly client: MarketoSoapClient,
    private readonly buffer: RedisBuffer,
    private readonly policy: SendPolicy,
    private readonly log: Logger,
  ) {}

  async send(
    batch: ClaimedBatch,
    control: DeliveryControl = { stopping: NEVER, abandon: NEVER },
  ): Promise<{ actions: SettleAction[]; report: SendReport }> {
    const report: SendReport = { calls: 0, faults: [], retries: [], throttlePauses: 0 };
    const actions: SettleAction[] = [];
    // A record an earlier attempt may have applied (its batch was recovered after a crash or a lost
    // lease) is treated as if that attempt had just failed indeterminately: a create is not sent again.
    const now = Date.now();
    const send: BatchEntry[] = [];
    for (const entry of batch.entries) {
      if (entry.uncertain && failureAction('indeterminate', batch.group, entry.data) === 'indeterminate') {
        const reason = `${earlierAttempts(entry.uncertain)} ended without an answer (worker crash or lost lease)`;
        actions.push(this.#indeterminate(batch, entry, reason, now));
      } else send.push(entry);
    }
    if (send.length < batch.entries.length)
      this.log.error('a create may have been applied: its records are INDETERMINATE and dead-lettered', {
        batch: batch.id,
        group: batch.group,
        records: batch.entries.length - send.length,
      });
    await this.#sendPart(batch, send, actions, report, true, control);
    return { actions, report };
  }

  async #call(
    batch: ClaimedBatch,
    entries: readonly BatchEntry[],
    control: DeliveryControl,
  ): Promise<RecordResult[]> {
    const callControl = { noNewAttempts: control.stopping, abandon: control.abandon };
    if (isLeadGroup(batch.group)) {
      const results = await this.client.syncMultipleLeads(
        entries.map((e) => leadRecord(e.data as StoredLead)),
        { dedupEnabled: batch.group === 'L', ...callControl },
      );
      return results.map((r) => ({
        status: r.status,
        id: r.leadId,
        ...(r.error !== undefined ? { error: r.error } : {}),
      }));
    }
    const operation = batch.group.slice(2) as SyncOperation;
    const results = await this.client.syncMObjects(
      entries.map((e) => mobject(e.data as StoredMObject)),
      operation,
      callControl,
    );
    return results.map((r) => ({
      status: r.status,
      id: r.id,
      ...(r.error !== undefined ? { error: r.error } : {}),
    }));
  }

  async #sendPart(
    batch: ClaimedBatch,
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
      results = await this.#call(batch, entries, control);
    } catch (error) {
      await this.#onCallError(error, batch, entries, actions, report, control);
      return;
    }
    const now = Date.now();
    entries.forEach((entry, i) => {
      const result = results[i]!;
      if (result.status !== 'FAILED') {
        actions.push({
          key: entry.key,
          action: 'done',
          outcome: this.#outcome(batch, entry, settledAfterDoubt(entry, result), now),
        });
        return;
      }
      const code = Number(FAILED_CODE.exec(result.error ?? '')?.[1] ?? NaN);
      // 20106 (Lead Sync Failed) may pass on a second try; every other per-record failure is final.
      if (code === 20106 && entry.attempts < 1) {
        actions.push(this.#retry(entry, now, true));
        report.retries.push({ category: 'record-20106', records: 1 });
        return;
      }
      actions.push(this.#dead(batch, entry, result, Number.isNaN(code) ? null : code, now));
    });
  }

  async #onCallError(
    error: unknown,
    batch: ClaimedBatch,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    control: DeliveryControl,
  ): Promise<void> {
    const now = Date.now();
    if (error instanceof XmlTextError && error.recordIndex !== undefined) {
      // Validation at intake makes this unreachable for new changes; kept so one bad record never blocks a batch.
      const bad = entries[error.recordIndex]!;
      actions.push(this.#dead(batch, bad, { status: 'FAILED', id: 0, error: error.message }, null, now));
      await this.#sendPart(
        batch,
        entries.filter((e) => e !== bad),
        actions,
        report,
        false,
        control,
      );
      return;
    }
    if (!(error instanceof SoapError)) throw error;
    const code = error instanceof MarketoFault ? (error.code ?? null) : null;
    report.faults.push({ code, category: error.category });
    // Throttle, quota and authentication burn no attempt: the records simply go back.
    const retryAll = (): void => {
      for (const entry of entries) actions.push({ key: entry.key, action: 'retry', score: now, burn: false });
      report.retries.push({ category: error.category, records: entries.length });
    };
    // The policy's rows for these categories treat every kind of record alike; see delivery-policy.ts.
    switch (failureAction(error.category, batch.group, entries[0]!.data)) {
      case 'pause': {
        // 20023: the rate window is full; 20024: too many calls at once. Every worker waits; no attempt burnt.
        const wait = code === 20024 ? 1_000 : this.policy.rateWindowMs;
        await this.buffer.pauseUntil(now + wait);
        report.throttlePauses++;
        this.log.warn('Marketo throttled: pausing every worker', { code, pauseMs: wait });
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
        await this.buffer.stopSending(
          `authentication failed (${code ?? error.message}); check MARKETO_USER_ID and MARKETO_ENCRYPTION_KEY`,
          this.policy.authPauseMs,
        );
        this.log.error('authentication failed: sending stopped', {
          code,
          retryInMs: this.policy.authPauseMs,
        });
        retryAll();
        return;
      }
      case 'split': {
        const probe = this.#isolating.get(batch.id);
        if (probe) probe.fault = error;
        else await this.#isolate(error, batch, entries, actions, report, control);
        return;
      }
      case 'dead-letter':
        for (const entry of entries)
          actions.push(
            this.#dead(batch, entry, { status: 'FAILED', id: 0, error: error.message }, code, now),
          );
        this.log.error('Marketo refused the request as malformed: records dead-lettered', {
          code,
          records: entries.length,
          error: error.message,
        });
        return;
      default:
        // transient, re-sign (still failing after re-signing), indeterminate.
        this.#resendWhatIsSafe(error, code, batch, entries, actions, report, control, now);
    }
  }

  async #isolate(
    fault: SoapError,
    batch: ClaimedBatch,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    control: DeliveryControl,
  ): Promise<void> {
    const codeOf = (e: SoapError): number | null => (e instanceof MarketoFault ? (e.code ?? null) : null);
    const budget = this.policy.splitCallBudget ?? DEFAULT_SPLIT_CALL_BUDGET;
    const summary = await isolateRecordFault({
      fault,
      entries,
      budget,
      send: async (part) => {
        const probe: { fault?: SoapError } = {};
        this.#isolating.set(batch.id, probe);
        try {
          await this.#sendPart(batch, part, actions, report, false, control);
        } finally {
          this.#isolating.delete(batch.id);
        }
        return probe.fault;
      },
      fail: (entry, cause, field) => {
        const action = this.#dead(
          batch,
          entry,
          { status: 'FAILED', id: 0, error: cause.message },
          codeOf(cause),
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
              ? this.#dead(batch, entry, { status: 'FAILED', id: 0, error }, codeOf(cause), now)
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
        code: codeOf(fault),
      });
    this.log.info('whole-call fault caused by records: isolated', {
      code: codeOf(fault),
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
    error: SoapError,
    code: number | null,
    batch: ClaimedBatch,
    entries: readonly BatchEntry[],
    actions: SettleAction[],
    report: SendReport,
    control: DeliveryControl,
    now: number,
  ): void {
    const resend: { entry: BatchEntry; uncertain: boolean }[] = [];
    let surfaced = 0;
    for (const entry of entries) {
      const action = failureAction(error.category, batch.group, entry.data);
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
      code,
      error: error.message,
      backoffMs: wait,
    });
    const score = now + wait - this.policy.lingerMs;
    for (const { entry, uncertain } of resend) {
      if (entry.attempts + 1 >= this.policy.maxAttempts) {
        const reason = `gave up after ${entry.attempts + 1} attempts: ${error.message}`;
        actions.push(this.#dead(batch, entry, { status: 'FAILED', id: 0, error: reason }, code, now));
      } else actions.push({ key: entry.key, action: 'retry', score, burn: true, ...doubt(uncertain) });
    }
    report.retries.push({ category: error.category, records: resend.length });
  }

  /** Takes a rate token for one more call; false when the worker began stopping meanwhile. */
  async #waitForToken(member: string, stopping: AbortSignal): Promise<boolean> {
    for (;;) {
      if (stopping.aborted) return false;
      const wait = await this.buffer.takeToken(
        { rateMax: this.policy.rateLimit, rateWindowMs: this.policy.rateWindowMs },
        member,
      );
      if (wait === 0) return !stopping.aborted;
      await new Promise((r) => setTimeout(r, Math.min(wait, 1_000)));
    }
  }

  /** Records never sent go back as they were, eligible at once, no attempt burnt. */
  #handBack(entries: readonly BatchEntry[], actions: SettleAction[]): void {
    const now = Date.now();
    for (const entry of entries) actions.push({ key: entry.key, action: 'retry', score: now, burn: false });
  }

  /** A create that Marketo may have applied: said so, and dead-lettered for an operator to decide. */
  #indeterminate(batch: ClaimedBatch, entry: BatchEntry, reason: string, now: number): SettleAction {
    const error = `the call may have been applied (${reason}); not resent, because a second application would create a duplicate: check Marketo, and redrive it (mktsync dlq redrive) only if Marketo does not have it`;
    const outcome = this.#outcome(batch, entry, { status: 'INDETERMINATE', id: 0, error }, now);
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

  #retry(entry: BatchEntry, now: number, burn: boolean): SettleAction {
    const wait = backoffMs(entry.attempts, this.policy.backoffBaseMs, this.policy.backoffMaxMs);
    return { key: entry.key, action: 'retry', score: now + wait - this.policy.lingerMs, burn };
  }

  #outcome(batch: ClaimedBatch, entry: BatchEntry, result: RecordResult, now: number): Outcome {
    const note = result.note !== undefined ? { note: result.note } : {};
    return {
      key: entry.key,
      status: result.status,
      id: result.id > 0 ? result.id : null,
      error: result.error ?? null,
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
    result: RecordResult,
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
