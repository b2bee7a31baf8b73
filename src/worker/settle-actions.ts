import type { SettleAction } from '../buffer/buffer.js';
import type { BatchEntry, ClaimedBatch, Outcome } from '../buffer/types.js';
import type { FoundId, RecordResult } from '../transport/contract.js';
import type { OutcomeStatus } from '../vocabulary/outcome-statuses.js';

/**
 * The settle actions the sender hands the buffer for one record: its outcome, a dead letter, or a way
 * back to pending. Pure builders: what to build is decided elsewhere (retry-decision.ts).
 */

/** One record's result as the sender keeps it: the transport's, or the sender's own for a record it settles. */
export interface Settled {
  status: OutcomeStatus;
  id: string | null;
  error: string | null;
  note?: string;
}

/** A Marketo code as the dead letter keeps it: a number, or null for none or a local condition. */
export function numericCode(code: string | null): number | null {
  return code !== null && /^\d{1,9}$/.test(code) ? Number(code) : null;
}

/** The dead letter's field: an attribute by its name (as Marketo names it in a fault), else the path. */
export function deadField(field: string | undefined): string | undefined {
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

export function fromResult(result: RecordResult): Settled {
  return { status: result.status, id: result.id, error: result.message };
}

export function earlierAttempts(n: number): string {
  return `${n} earlier attempt${n > 1 ? 's' : ''}`;
}

/**
 * What a record's result means when an earlier attempt may already have applied it: an INSERT answered
 * SKIPPED (its key exists) was most probably created by that attempt; anything else says so.
 */
export function settledAfterDoubt(entry: BatchEntry, result: Settled, found?: FoundId): Settled {
  if (!entry.uncertain) return result;
  const earlier = `${earlierAttempts(entry.uncertain)} ended indeterminate`;
  if (result.status === 'SKIPPED') {
    const note = `${earlier}; Marketo answered SKIPPED to the resend (the key exists), so that attempt most probably created it`;
    // The answer carried no id (REST): the worker looked it up by the record's key.
    if (found?.id !== undefined && found.id !== null)
      return {
        ...result,
        status: 'PROBABLY_CREATED',
        id: found.id,
        note: `${note}; id looked up by its key`,
      };
    if (found !== undefined && found.id === null)
      return { ...result, status: 'PROBABLY_CREATED', note: `${note}; no id: ${found.why}` };
    return { ...result, status: 'PROBABLY_CREATED', note };
  }
  return { ...result, note: `${earlier}; Marketo answered ${result.status} to the resend` };
}

export function outcomeOf(batch: ClaimedBatch, entry: BatchEntry, result: Settled, now: number): Outcome {
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

/** A record done: its outcome as Marketo answered it (read in the light of any earlier doubt). */
export function done(
  batch: ClaimedBatch,
  entry: BatchEntry,
  result: RecordResult,
  now: number,
  found?: FoundId,
): SettleAction {
  return {
    key: entry.key,
    action: 'done',
    outcome: outcomeOf(batch, entry, settledAfterDoubt(entry, fromResult(result), found), now),
  };
}

/**
 * A create an earlier attempt may have applied, found in Marketo before it was sent again (a custom
 * activity in its lead's activity log): CREATED with the id found, not sent a second time.
 */
export function foundApplied(batch: ClaimedBatch, entry: BatchEntry, id: string, now: number): SettleAction {
  const note = `${earlierAttempts(entry.uncertain ?? 1)} ended indeterminate; found in Marketo before a resend, so not sent again`;
  return {
    key: entry.key,
    action: 'done',
    outcome: outcomeOf(batch, entry, { status: 'CREATED', id, error: null, note }, now),
  };
}

/**
 * Whether a record's result is a probable create without an id: a resend, after an attempt that may
 * have applied it, answered SKIPPED with no id (REST). Its id is then looked up by its key.
 */
export function needsIdLookup(entry: BatchEntry, result: RecordResult): boolean {
  return Boolean(entry.uncertain) && result.status === 'SKIPPED' && (result.id === null || result.id === '');
}

/**
 * A record failed for good: outcome FAILED and a dead letter with `error`, Marketo's code and the field
 * Marketo refused (when it names one).
 */
export function dead(
  batch: ClaimedBatch,
  entry: BatchEntry,
  error: string | null,
  code: string | null,
  now: number,
  field?: string,
): SettleAction {
  const outcome = outcomeOf(batch, entry, { status: 'FAILED', id: null, error }, now);
  const refused = deadField(field);
  return {
    key: entry.key,
    action: 'dead',
    outcome,
    dead: {
      key: entry.key,
      reason: error ?? 'failed',
      code: numericCode(code),
      attempts: entry.attempts + 1,
      at: now,
      ...(refused !== undefined ? { field: refused } : {}),
    },
  };
}

/**
 * Why a record ran out of attempts: how many, the last failure, and for a checked create whose last
 * attempt may have applied it, what a redrive would meet.
 */
export function gaveUp(entry: BatchEntry, lastFailure: string | null, uncertain: boolean): string {
  const doubt = uncertain
    ? ' (the last may have created it; a redrive is then answered SKIPPED, not created twice)'
    : '';
  return `gave up after ${entry.attempts + 1} attempts${doubt}: ${lastFailure ?? 'no answer'}`;
}

/** A create that Marketo may have applied: said so, and dead-lettered for an operator to decide. */
export function indeterminate(
  batch: ClaimedBatch,
  entry: BatchEntry,
  reason: string,
  now: number,
): SettleAction {
  const error = `the call may have been applied (${reason}); not resent, because a second application would create a duplicate: check Marketo, and redrive it (mktsync dlq redrive) only if Marketo does not have it`;
  const outcome = outcomeOf(batch, entry, { status: 'INDETERMINATE', id: null, error }, now);
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

/**
 * The buffer's score for a record that should be sent again `waitMs` from `now`. A pending record's
 * score is when it became ready, and a claim waits until the oldest ready record is `lingerMs` old
 * before it sends a batch that is not full (the CLAIM script). A retry's score is therefore set a
 * linger back: the record goes out when its backoff ends, not a linger later (and it may join a full
 * batch up to a linger earlier).
 */
export function retryScore(now: number, waitMs: number, lingerMs: number): number {
  return now + waitMs - lingerMs;
}

/** A record back to pending after `waitMs`, an attempt burnt; `uncertain` when that attempt may have applied it. */
export function retry(
  entry: BatchEntry,
  score: number,
  uncertain: boolean,
): SettleAction & { action: 'retry' } {
  return { key: entry.key, action: 'retry', score, burn: true, ...(uncertain ? { uncertain } : {}) };
}

/**
 * A record back to pending, no attempt burnt (never sent, sending waits for everyone, or the worker is
 * stopping): eligible at `score`, usually now.
 */
export function handBack(entry: BatchEntry, score: number, uncertain = false): SettleAction {
  return { key: entry.key, action: 'retry', score, burn: false, ...(uncertain ? { uncertain } : {}) };
}
