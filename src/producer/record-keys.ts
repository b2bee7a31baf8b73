import type { StoredLead, StoredMObject } from '../buffer/types.js';
import { leadGroupNameOf, type TransportGroupName } from '../vocabulary/batch-groups.js';
import type { ObjectOperation } from '../vocabulary/object-operations.js';
import { encodeUriComponent } from './uri-component.js';

/**
 * The record key a change coalesces under. Keys are printable and free of the buffer's separators'
 * meaning; values are URI-encoded. A key ending in `#` never merges (the buffer appends a sequence
 * number).
 */

const enc = encodeUriComponent;

/** The record key of a lead: its highest-precedence key. dedupEnabled=false changes never merge. */
export function leadKey(
  lead: Omit<StoredLead, 'attributes'> & { dedupEnabled?: boolean | undefined },
): string {
  const base =
    lead.Id !== undefined
      ? `L:id:${lead.Id}`
      : lead.ForeignSysPersonId !== undefined
        ? `L:fs:${lead.ForeignSysType}:${enc(lead.ForeignSysPersonId)}`
        : `L:em:${enc(lead.Email!.toLowerCase())}`;
  return lead.dedupEnabled === false ? `${base}#` : base;
}

/** The record key of an object: type and id or external key. An INSERT never merges. */
export function mobjectKey(
  change: Pick<StoredMObject, 'type' | 'id' | 'externalKey'> & { operation: ObjectOperation },
): string {
  const base =
    change.id !== undefined
      ? `O:${change.type}:id:${change.id}`
      : change.externalKey !== undefined
        ? `O:${change.type}:ek:${enc(change.externalKey.name)}=${enc(change.externalKey.value)}`
        : `O:${change.type}:new`;
  return change.operation === 'INSERT' ? `${base}#` : base;
}

/**
 * The batch group of a lead (see `src/vocabulary/batch-groups.ts`): one key kind per call, its
 * highest-precedence key, as its record key; `L0` for dedupEnabled false.
 */
export function leadGroupName(
  lead: Omit<StoredLead, 'attributes'>,
  dedupEnabled?: boolean,
): TransportGroupName {
  const name = leadGroupNameOf(lead, dedupEnabled !== false);
  // Validation refuses a lead without a key before it gets here.
  if (name === undefined)
    throw new TypeError('(record): needs at least one key: Id, Email or ForeignSysPersonId');
  return name;
}
