import { assertNever } from '../vocabulary/assert-never.js';
import type { StoredChange, StoredMObject } from '../buffer/types.js';
import type { CallApplied, CallErrorCategory, TransportGroup } from '../transport/contract.js';

/**
 * The delivery policy: what the sender does with the records of a call that failed as a whole, by the
 * failure's category and by what a second application of the record would do. It knows nothing of
 * the wire: the transport says whether the failure came before the request left (`transient`) or
 * after (`indeterminate`); this table says what each kind of record can afford.
 */

/**
 * What resending a record can do:
 * - `idempotent`: applying it twice ends in the same state (leads with dedupEnabled, UPDATE, UPSERT):
 *   at-least-once delivery, resent after any failure. Not a Program update adding a cost (below).
 * - `checked-create`: an INSERT naming its object by externalKey or id, or a role by its fields where
 *   the transport keys roles so (REST): a second application is answered SKIPPED instead of creating a
 *   copy, so it may be resent, remembering the doubt.
 * - `create`: a lead with dedupEnabled false, an INSERT without a key, or a Program update adding a
 *   `Cost` entry without an `Id`: a second application creates a duplicate, so it is never resent after a failure that may have come after Marketo
 *   applied it (at-most-once, surfaced to an operator).
 */
export type DeliveryKind = 'idempotent' | 'checked-create' | 'create';

/**
 * What happens to the records of a failed call:
 * - `pause`: every worker waits out the throttle window; records back, no attempt burnt.
 * - `park`: the daily quota is used up; sending waits for the reset, no attempt burnt.
 * - `stop`: authentication failed or a setting is wrong; sending stops, no attempt burnt.
 * - `split`: a record made the whole call fail; halves are sent until it is isolated.
 * - `dead-letter`: Marketo refused the request as malformed; final.
 * - `retry`: back to pending with backoff, an attempt burnt (dead-lettered after the last one).
 * - `resend-checked`: like `retry`, and the record remembers that an earlier attempt may have
 *   applied it, so a SKIPPED answer is reported as probably created by that attempt.
 * - `indeterminate`: outcome INDETERMINATE, dead-lettered with the reason; an operator checks
 *   Marketo and redrives it (`mktsync dlq redrive`) or drops it.
 *
 * With the retry policy's numbers (how long a pause, until when a park, how many attempts), each
 * becomes one of the sender's decisions: see `decide` in retry-decision.ts.
 */
export type FailureAction =
  'pause' | 'park' | 'stop' | 'split' | 'dead-letter' | 'retry' | 'resend-checked' | 'indeterminate';

/**
 * Rows: the failure's category (the transport's {@link CallErrorCategory}); columns: the kind of record.
 * A failure whose call may have been applied (`applied: indeterminate`) takes the `indeterminate` row
 * whatever its category (e.g. REST's call-level 500 or 502, a gateway's 504): see {@link policyRow}.
 */
export const FAILURE_ACTIONS: Readonly<
  Record<CallErrorCategory, Readonly<Record<DeliveryKind, FailureAction>>>
> = Object.freeze({
  // Known not to have been applied (refused before it left, or an internal error of Marketo's).
  transient: { idempotent: 'retry', 'checked-create': 'retry', create: 'retry' },
  // Still refused after the transport renewed the credentials (SOAP re-signed, REST re-tokened):
  // Marketo did not execute it.
  're-auth': { idempotent: 'retry', 'checked-create': 'retry', create: 'retry' },
  throttle: { idempotent: 'pause', 'checked-create': 'pause', create: 'pause' },
  quota: { idempotent: 'park', 'checked-create': 'park', create: 'park' },
  auth: { idempotent: 'stop', 'checked-create': 'stop', create: 'stop' },
  // A wrong endpoint, Identity URL or a redirect: Marketo executed nothing, and nothing will pass until
  // the setting is right; dead-lettering would only lose every record that arrives meanwhile.
  config: { idempotent: 'stop', 'checked-create': 'stop', create: 'stop' },
  'invalid-request': { idempotent: 'dead-letter', 'checked-create': 'dead-letter', create: 'dead-letter' },
  // A whole-call fault applies nothing, so the halves may be sent whatever they hold.
  'invalid-record': { idempotent: 'split', 'checked-create': 'split', create: 'split' },
  // Marketo may have applied the call: only what is safe to apply twice goes again.
  indeterminate: { idempotent: 'retry', 'checked-create': 'resend-checked', create: 'indeterminate' },
});

/**
 * Whether an object update appends something: a Program `Cost` entry without an `Id` is added as a new
 * cost each time it is applied, so it is a create however its call is named.
 */
function appendsCost(data: StoredChange): boolean {
  const object = data as StoredMObject;
  return (
    object.type === 'Program' &&
    (object.typeAttributes ?? []).some((t) => t.attrType === 'Cost' && t.attributes.Id === undefined)
  );
}

/** Whether a role names its opportunity, its lead and its role: the fields REST keys roles by. */
function roleByFields(object: StoredMObject): boolean {
  if (object.type !== 'OpportunityPersonRole') return false;
  const names = new Set(Object.keys(object.attributes ?? {}).map((n) => n.toLowerCase()));
  const opportunity =
    object.associations?.some((a) => a.mObjType === 'Opportunity' && a.externalKey !== undefined) ||
    names.has('externalopportunityid');
  const lead =
    object.associations?.some((a) => a.mObjType === 'Lead' && a.id !== undefined) ||
    names.has('personid') ||
    names.has('leadid');
  return Boolean(opportunity && lead && names.has('role'));
}

/**
 * The delivery kind of one record of `group`; `rolesKeyedByFields`: the transport keys roles by their
 * fields (see `Transport.keysRolesByFields`).
 */
export function deliveryKind(
  group: TransportGroup,
  data: StoredChange,
  rolesKeyedByFields = false,
): DeliveryKind {
  switch (group.kind) {
    case 'lead':
      return group.dedupEnabled ? 'idempotent' : 'create';
    case 'object': {
      if (group.operation !== 'INSERT') return appendsCost(data) ? 'create' : 'idempotent';
      const object = data as StoredMObject;
      if (object.externalKey !== undefined || object.id !== undefined) return 'checked-create';
      return rolesKeyedByFields && roleByFields(object) ? 'checked-create' : 'create';
    }
    // Marketo keeps every custom activity it is sent: each one is a create.
    case 'activity':
      return 'create';
    // createOnly: a create; the others name the record by its dedupe fields or id.
    case 'customObject':
      return group.operation === 'INSERT' ? 'create' : 'idempotent';
    // Adding a member twice, removing one twice or setting a status twice changes nothing more.
    case 'listMembership':
    case 'programStatus':
      return 'idempotent';
    default:
      return assertNever(group, 'group kind');
  }
}

/**
 * The row of {@link FAILURE_ACTIONS} a failure takes: `applied` decides between the rows of doubt. A
 * call that may have been applied is indeterminate whatever its category; one known not to have been
 * applied is never indeterminate (it is transient).
 */
export function policyRow(category: CallErrorCategory, applied: CallApplied): CallErrorCategory {
  if (applied === 'indeterminate') return 'indeterminate';
  return category === 'indeterminate' ? 'transient' : category;
}

/**
 * What to do with a record of `group` after a failure of `category`; `applied` (default: what the
 * category implies) says whether the call may have been applied.
 */
export function failureAction(
  category: CallErrorCategory,
  group: TransportGroup,
  data: StoredChange,
  applied: CallApplied = category === 'indeterminate' ? 'indeterminate' : 'not-applied',
  rolesKeyedByFields = false,
): FailureAction {
  return FAILURE_ACTIONS[policyRow(category, applied)][deliveryKind(group, data, rolesKeyedByFields)];
}
