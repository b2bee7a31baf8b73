import type { StoredLead, StoredMObject } from '../buffer/types.js';

/**
 * Batch groups in transport-neutral terms: the records of one group can share one call of any
 * transport. A lead call uses one key kind (REST's `lookupField` is per call); an object call uses one
 * type and one operation (REST has one endpoint per type, and one action per call).
 */

/** The key a lead is matched by, in precedence order: Id, then ForeignSysPersonId, then Email. */
export const LEAD_KEY_KINDS = ['Id', 'ForeignSysPersonId', 'Email'] as const;
export type LeadKeyKind = (typeof LEAD_KEY_KINDS)[number];

export const OBJECT_TYPES = ['Program', 'Opportunity', 'OpportunityPersonRole'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const OBJECT_OPERATIONS = ['INSERT', 'UPDATE', 'UPSERT'] as const;
/** INSERT creates only, UPDATE updates only, UPSERT does either. */
export type ObjectOperation = (typeof OBJECT_OPERATIONS)[number];

/** Leads matched by one key kind, deduplicated by Marketo (SOAP dedupEnabled true). */
export interface KeyedLeadGroup {
  readonly kind: 'lead';
  readonly key: LeadKeyKind;
  readonly dedupEnabled: true;
}

/** Leads that Marketo must create even when the key exists (SOAP dedupEnabled false). */
export interface DuplicateLeadGroup {
  readonly kind: 'lead';
  readonly dedupEnabled: false;
}

export type LeadGroup = KeyedLeadGroup | DuplicateLeadGroup;

/** Objects of one type with one operation. */
export interface ObjectGroup {
  readonly kind: 'object';
  readonly type: ObjectType;
  readonly operation: ObjectOperation;
}

export type TransportGroup = LeadGroup | ObjectGroup;

/** The group of a lead: its highest-precedence key decides, unless Marketo must not deduplicate it. */
export function leadGroupOf(lead: StoredLead, dedupEnabled = true): LeadGroup | undefined {
  if (!dedupEnabled) return { kind: 'lead', dedupEnabled: false };
  const key: LeadKeyKind | undefined =
    lead.Id !== undefined
      ? 'Id'
      : lead.ForeignSysPersonId !== undefined
        ? 'ForeignSysPersonId'
        : lead.Email !== undefined
          ? 'Email'
          : undefined;
  return key === undefined ? undefined : { kind: 'lead', key, dedupEnabled: true };
}

/** The group of an object sent with `operation`; undefined for a type no transport knows. */
export function objectGroupOf(object: StoredMObject, operation: ObjectOperation): ObjectGroup | undefined {
  const type = OBJECT_TYPES.find((t) => t === object.type);
  return type === undefined ? undefined : { kind: 'object', type, operation };
}

/**
 * A stable name for a group, usable in Redis keys and metrics: `L:Id`, `L:ForeignSysPersonId`,
 * `L:Email`, `L0`, `O:Opportunity:UPSERT`, …
 */
export function groupName(group: TransportGroup): string {
  if (group.kind === 'lead') return group.dedupEnabled ? `L:${group.key}` : 'L0';
  return `O:${group.type}:${group.operation}`;
}

/** The group a {@link groupName} names, or undefined for anything else. */
export function parseGroupName(name: string): TransportGroup | undefined {
  if (name === 'L0') return { kind: 'lead', dedupEnabled: false };
  const parts = name.split(':');
  if (parts.length === 2 && parts[0] === 'L') {
    const key = LEAD_KEY_KINDS.find((k) => k === parts[1]);
    return key === undefined ? undefined : { kind: 'lead', key, dedupEnabled: true };
  }
  if (parts.length === 3 && parts[0] === 'O') {
    const type = OBJECT_TYPES.find((t) => t === parts[1]);
    const operation = OBJECT_OPERATIONS.find((o) => o === parts[2]);
    return type === undefined || operation === undefined ? undefined : { kind: 'object', type, operation };
  }
  return undefined;
}

/** Records of one transport group inside a batch claimed from a buffer group of an older release. */
export interface RegroupedPart {
  group: TransportGroup;
  /** Indexes into the batch's records, in order. */
  indexes: number[];
}

/**
 * Splits a batch of one of the buffer's pre-transport groups (`L`, `L0`, `O:INSERT`, `O:UPDATE`,
 * `O:UPSERT`: leads of any key kind together, objects of any type together) into transport groups, so
 * that records waiting when mktsync is upgraded still go out. Records that fit no group (no lead key,
 * an unknown object type) are listed in `unplaced`.
 */
export function regroupLegacyBatch(
  legacyGroup: string,
  records: readonly (StoredLead | StoredMObject)[],
): { parts: RegroupedPart[]; unplaced: number[] } {
  const parts = new Map<string, RegroupedPart>();
  const unplaced: number[] = [];
  const operation = OBJECT_OPERATIONS.find((o) => legacyGroup === `O:${o}`);
  records.forEach((record, index) => {
    const group =
      legacyGroup === 'L' || legacyGroup === 'L0'
        ? leadGroupOf(record as StoredLead, legacyGroup === 'L')
        : operation !== undefined
          ? objectGroupOf(record as StoredMObject, operation)
          : undefined;
    if (!group) {
      unplaced.push(index);
      return;
    }
    const name = groupName(group);
    const part = parts.get(name) ?? { group, indexes: [] };
    part.indexes.push(index);
    parts.set(name, part);
  });
  return { parts: [...parts.values()], unplaced };
}
