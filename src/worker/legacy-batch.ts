import type { BatchEntry, ClaimedBatch, StoredLead, StoredMObject } from '../buffer/types.js';
import { parseLegacyGroupName } from '../vocabulary/batch-groups.js';
import { parseGroupName, regroupLegacyBatch, type TransportGroup } from '../transport/contract.js';

/**
 * Batches of the buffer groups of a release before the transport seam (`L`, `L0`, `O:INSERT`,
 * `O:UPDATE`, `O:UPSERT`: leads of every key kind together, objects of every type together). Records
 * waiting when mktsync is upgraded still go out: their batch is claimed as large as the transport's
 * lead or opportunity calls, then regrouped into transport groups and cut to the transport's size.
 */

/** One transport group's records inside a claimed batch. */
export interface BatchPart {
  group: TransportGroup;
  entries: BatchEntry[];
}

/**
 * The transport group whose largest call sizes a claim of `group`: the group itself, or for an older
 * release's group, the lead or opportunity group its records most likely go out in.
 */
export function claimGroup(group: string): TransportGroup {
  const parsed = parseGroupName(group);
  if (parsed !== undefined) return parsed;
  // As before the cut: only `L` is sized as leads (`L0` as objects, which over SOAP claims at most 100).
  const legacy = parseLegacyGroupName(group);
  if (legacy?.kind === 'lead') return { kind: 'lead', key: 'Email', dedupEnabled: true };
  const operation = legacy?.kind === 'object' ? legacy.operation : 'UPSERT';
  return { kind: 'object', type: 'Opportunity', operation };
}

/**
 * The transport groups' worth of a batch: its own group, or, for a batch of an older release's group,
 * its records regrouped. Records that fit no group (no lead key, an unknown object type) are returned
 * apart, for the sender to dead-letter.
 */
export function partsOf(batch: ClaimedBatch): { parts: BatchPart[]; unplaced: BatchEntry[] } {
  const group = parseGroupName(batch.group);
  if (group !== undefined) return { parts: [{ group, entries: batch.entries }], unplaced: [] };
  const records = batch.entries.map((e) => e.data as StoredLead | StoredMObject);
  const { parts, unplaced } = regroupLegacyBatch(batch.group, records);
  return {
    parts: parts.map((p) => ({ group: p.group, entries: p.indexes.map((i) => batch.entries[i]!) })),
    unplaced: unplaced.map((i) => batch.entries[i]!),
  };
}
