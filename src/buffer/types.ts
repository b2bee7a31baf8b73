import type { LeadRef } from '../vocabulary/lead-refs.js';
import type { MembershipAction } from '../vocabulary/member-groups.js';
import type { BatchGroup } from '../vocabulary/batch-groups.js';
import type { ForeignSysType } from '../vocabulary/foreign-sys-types.js';
import type { OutcomeStatus } from '../vocabulary/outcome-statuses.js';

/**
 * What the buffer keeps per record: the merged pending change as it will be sent. Attribute values are
 * already the text Marketo receives.
 */
export interface StoredLead {
  Id?: number;
  Email?: string;
  ForeignSysPersonId?: string;
  ForeignSysType?: ForeignSysType;
  attributes: Record<string, string>;
}

export interface StoredMObject {
  type: string;
  id?: number;
  externalKey?: { name: string; value: string };
  attributes?: Record<string, string>;
  typeAttributes?: { attrType: string; attributes: Record<string, string> }[];
  associations?: { mObjType: string; id?: number; externalKey?: { name: string; value: string } }[];
}

/** Any record as kept: a lead, an object, or a record of a member group (see `member-groups.ts`). */
export type StoredChange =
  StoredLead | StoredMObject | StoredActivity | StoredCustomObject | StoredMembership | StoredProgramStatus;

/**
 * A batch group, by its name in Redis (see `src/vocabulary/batch-groups.ts`): today's transport-neutral
 * groups and the legacy ones still claimed so that records waiting at an upgrade keep flowing.
 */
export type { BatchGroup } from '../vocabulary/batch-groups.js';

/** One record of a claimed batch: the snapshot that is sent, and what it covers. */
export interface BatchEntry {
  key: string;
  data: StoredChange;
  /** Sequence numbers of the first and last change merged into it. */
  first: number;
  last: number;
  /** How many changes it merges. */
  count: number;
  /** Acceptance time (epoch ms) of its first change. */
  t0: number;
  /** Attempts already burnt on it. */
  attempts: number;
  /** How many earlier attempts ended indeterminate (Marketo may have applied them); absent when none. */
  uncertain?: number;
}

/** A claimed batch: one SOAP call's worth of records. */
export interface ClaimedBatch {
  id: string;
  group: BatchGroup;
  entries: BatchEntry[];
}

/** The final word on a record, kept per record and appended to the outcome stream. */
export interface Outcome {
  key: string;
  /**
   * CREATED, UPDATED, UNCHANGED, SKIPPED or FAILED (Marketo's answer); INDETERMINATE (a create whose
   * call may or may not have been applied: dead-lettered for an operator); PROBABLY_CREATED (an INSERT
   * answered SKIPPED on a resend after an indeterminate attempt, which most probably created it).
   */
  status: OutcomeStatus;
  /**
   * Marketo id of the lead or object, when Marketo gave one: a number for lead and program ids (and SOAP
   * object ids), text for an id that is not a number (REST's `marketoGUID` of an opportunity or role).
   */
  id: number | string | null;
  error: string | null;
  /** The batch (call) that settled it. */
  batch: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The range of sequence numbers it covered, and how many changes that was. */
  firstSeq: number;
  lastSeq: number;
  changes: number;
  /** ms from the first change's acceptance to this outcome. */
  latencyMs: number;
  /** Epoch ms. */
  at: number;
  /** What is known beyond the status, e.g. that an earlier attempt may have been applied. */
  note?: string;
}

/** A dead-lettered record: what was sent, why it failed for good, when. */
export interface DeadLetter {
  key: string;
  reason: string;
  code: number | null;
  /** The field Marketo refused (`unknown fields for import: X`) when the record carries it. */
  field?: string;
  attempts: number;
  at: number;
  group: BatchGroup;
  entry: BatchEntry;
}

/**
 * An operator's verdicts on a record whose create may have been applied (INDETERMINATE,
 * PROBABLY_CREATED): confirmed created in Marketo, or not created and to be sent again.
 */
export const VERDICTS = ['created', 'resend'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * A custom activity as kept: its lead, its type (API name or id), when it happened (ISO 8601 with a
 * zone), its primary attribute's value and its other attributes. Never merged with another.
 */
export interface StoredActivity {
  lead: LeadRef;
  activityType: string | number;
  activityDate: string;
  primaryAttributeValue: string;
  attributes: Record<string, string>;
}

/** A custom object record as kept: its API name and its fields (dedupe fields included), merged field by field. */
export interface StoredCustomObject {
  apiName: string;
  attributes: Record<string, string>;
  /** The lead it links to, when its link field names a lead by reference. */
  lead?: LeadRef;
}

/** A static list membership change as kept: the last action per (list, lead) wins. */
export interface StoredMembership {
  listId: number;
  lead: LeadRef;
  action: MembershipAction;
}

/** A program member status change as kept: the furthest status per (program, lead) wins. */
export interface StoredProgramStatus {
  programId: number;
  lead: LeadRef;
  status: string;
}
