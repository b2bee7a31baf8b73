import type { StoredLead, StoredMObject } from '../buffer/types.js';
import {
  groupName,
  leadGroupOf,
  objectGroupOf,
  parseLegacyGroupName,
  type TransportGroup,
} from '../vocabulary/batch-groups.js';

/**
 * Batch groups as the transports see them. The groups, their names and the lists they are made of are
 * the vocabulary's (`src/vocabulary/`); they are re-exported here for the transports and the sender.
 */
export {
  groupName,
  leadGroupOf,
  objectGroupOf,
  parseGroupName,
  type ActivityGroup,
  type CustomObjectGroup,
  type DuplicateLeadGroup,
  type ListMembershipGroup,
  type ProgramStatusGroup,
  type KeyedLeadGroup,
  type LeadGroup,
  type ObjectGroup,
  type TransportGroup,
} from '../vocabulary/batch-groups.js';
export { LEAD_KEY_KINDS, type LeadKeyKind } from '../vocabulary/lead-key-kinds.js';
export { OBJECT_TYPES, type ObjectType } from '../vocabulary/object-types.js';
export { OBJECT_OPERATIONS, type ObjectOperation } from '../vocabulary/object-operations.js';

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
  const legacy = legacyGroup === 'L0' ? ({ kind: 'lead' } as const) : parseLegacyGroupName(legacyGroup);
  records.forEach((record, index) => {
    const group =
      legacy === undefined
        ? undefined
        : legacy.kind === 'lead'
          ? leadGroupOf(record as StoredLead, legacyGroup !== 'L0')
          : objectGroupOf(record as StoredMObject, legacy.operation);
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
