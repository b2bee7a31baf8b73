import {
  LEAD_KEY_KINDS,
  leadKeyKindOf,
  parseLeadKeyKind,
  type LeadKeyKind,
  type LeadKeys,
} from './lead-key-kinds.js';
import { OBJECT_OPERATIONS, parseObjectOperation, type ObjectOperation } from './object-operations.js';
import { OBJECT_TYPE_OPERATIONS, OBJECT_TYPES, parseObjectType, type ObjectType } from './object-types.js';
import { assertNever } from './assert-never.js';
import {
  memberGroupName,
  parseMemberGroupName,
  type MemberGroup,
  type MemberGroupName,
} from './member-groups.js';

export type {
  ActivityGroup,
  CustomObjectGroup,
  ListMembershipGroup,
  MemberGroup,
  ProgramStatusGroup,
} from './member-groups.js';

/**
 * Batch groups: the records of one group can share one call of either transport. A lead call uses one
 * key kind (REST's `lookupField` is per call); an object call uses one type and one operation (REST has
 * one endpoint per type, and one action per call). A group's name is its dirty set in Redis and its
 * metric label.
 */

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

/**
 * A group in transport-neutral terms: leads, the objects of a closed list of types, and the member groups
 * (`member-groups.ts`) whose names carry a parameter (a custom object's API name, a list or program id).
 */
export type TransportGroup = LeadGroup | ObjectGroup | MemberGroup;

/** A group of a fixed name: `L:Id`, `L:ForeignSysPersonId`, `L:Email`, `L0`, `O:<type>:<operation>`. */
export type FixedGroupName = `L:${LeadKeyKind}` | 'L0' | `O:${ObjectType}:${ObjectOperation}`;

/** The name of a group: a fixed one, or a member group's (`A`, `C:…`, `M:…`, `S:…`). */
export type TransportGroupName = FixedGroupName | MemberGroupName;

/**
 * The groups of releases before the transport seam: leads of any key kind (`L`; `L0` kept its name),
 * objects of any type by operation. Still claimed, so that records waiting in Redis at an upgrade keep
 * flowing (the sender regroups such a batch); never written by intake.
 */
export const LEGACY_GROUPS = ['L', 'O:INSERT', 'O:UPDATE', 'O:UPSERT'] as const;
export type LegacyGroupName = (typeof LEGACY_GROUPS)[number];

/** Every name a dirty set in Redis may carry. */
export type BatchGroup = TransportGroupName | LegacyGroupName;

/** The name of `group`. */
export function groupName(group: TransportGroup): TransportGroupName {
  switch (group.kind) {
    case 'lead':
      return group.dedupEnabled ? `L:${group.key}` : 'L0';
    case 'object':
      return `O:${group.type}:${group.operation}`;
    case 'activity':
    case 'customObject':
    case 'listMembership':
    case 'programStatus':
      return memberGroupName(group);
    default:
      return assertNever(group, 'group kind');
  }
}

/** The group a {@link groupName} name names, or undefined for anything else (legacy names included). */
export function parseGroupName(name: string): TransportGroup | undefined {
  if (name === 'L0') return { kind: 'lead', dedupEnabled: false };
  const parts = name.split(':');
  if (parts.length === 2 && parts[0] === 'L') {
    const key = parseLeadKeyKind(parts[1]!);
    return key === undefined ? undefined : { kind: 'lead', key, dedupEnabled: true };
  }
  if (parts.length === 3 && parts[0] === 'O') {
    const type = parseObjectType(parts[1]!);
    const operation = parseObjectOperation(parts[2]!);
    return type === undefined || operation === undefined ? undefined : { kind: 'object', type, operation };
  }
  return parseMemberGroupName(name);
}

/** A legacy group, read: leads of every key kind, or objects of every type with one operation. */
export type LegacyGroup = { kind: 'lead' } | { kind: 'object'; operation: ObjectOperation };

/** The legacy group `name` names, or undefined. */
export function parseLegacyGroupName(name: string): LegacyGroup | undefined {
  if (name === 'L') return { kind: 'lead' };
  const operation = name.startsWith('O:') ? parseObjectOperation(name.slice(2)) : undefined;
  return operation === undefined ? undefined : { kind: 'object', operation };
}

/** Whether `name` is a group name of the vocabulary (today's or a legacy one). */
export function isBatchGroup(name: string): name is BatchGroup {
  return parseGroupName(name) !== undefined || parseLegacyGroupName(name) !== undefined;
}

/** Whether the group `name` holds leads. */
export function isLeadGroup(name: BatchGroup): boolean {
  return name === 'L' || parseGroupName(name)?.kind === 'lead';
}

/**
 * Every group of a fixed name, leads first: the lead key kinds, `L0`, then every type × operation. The
 * member groups are an open set (one per list, program, custom object): the buffer lists those it holds.
 */
export const TRANSPORT_GROUPS: readonly FixedGroupName[] = [
  ...LEAD_KEY_KINDS.map((key) => `L:${key}` as const),
  'L0',
  ...OBJECT_TYPES.flatMap((type) => OBJECT_OPERATIONS.map((operation) => `O:${type}:${operation}` as const)),
];

/**
 * Every group of a fixed name a worker claims from: today's, then the legacy ones. Member groups are
 * claimed as the buffer lists them ({@link isBatchGroup} tells whether a name is one).
 */
export const BATCH_GROUPS: readonly BatchGroup[] = [...TRANSPORT_GROUPS, ...LEGACY_GROUPS];

/**
 * The fixed-name groups intake writes: every lead group, and the object groups of
 * {@link OBJECT_TYPE_OPERATIONS}. With the member groups, what {@link isIntakeGroup} accepts; any other
 * group is refused before it is written.
 */
export const INTAKE_GROUPS: readonly FixedGroupName[] = TRANSPORT_GROUPS.filter((name) => {
  const group = parseGroupName(name)!;
  return (
    group.kind === 'lead' ||
    (group.kind === 'object' && OBJECT_TYPE_OPERATIONS[group.type].includes(group.operation))
  );
});

const INTAKE_FIXED = new Set<string>(INTAKE_GROUPS);

/** Whether intake may write group `name`: a fixed intake group, or a well-formed member group. */
export function isIntakeGroup(name: string): name is TransportGroupName {
  return INTAKE_FIXED.has(name) || parseMemberGroupName(name) !== undefined;
}

/**
 * The groups to claim from, in claim order, out of the names the buffer lists: the fixed groups in
 * {@link BATCH_GROUPS} order, then the member groups it holds, by name. Names of neither are left out.
 */
export function claimOrder(names: Iterable<string>): BatchGroup[] {
  const held = new Set(names);
  return [...BATCH_GROUPS.filter((g) => held.has(g)), ...memberGroupsIn(held)];
}

/** The member group names among `names`, by name, once each. */
export function memberGroupsIn(names: Iterable<string>): BatchGroup[] {
  const members = new Set<string>();
  for (const n of names) if (parseMemberGroupName(n) !== undefined) members.add(n);
  return ([...members] as BatchGroup[]).sort();
}

/** The group of a lead: its highest-precedence key decides, unless Marketo must not deduplicate it. */
export function leadGroupOf<L extends LeadKeys>(lead: L, dedupEnabled = true): LeadGroup | undefined {
  if (!dedupEnabled) return { kind: 'lead', dedupEnabled: false };
  const key = leadKeyKindOf(lead);
  return key === undefined ? undefined : { kind: 'lead', key, dedupEnabled: true };
}

/** The group of an object sent with `operation`; undefined for a type not listed. */
export function objectGroupOf(object: { type: string }, operation: ObjectOperation): ObjectGroup | undefined {
  const known = parseObjectType(object.type);
  return known === undefined ? undefined : { kind: 'object', type: known, operation };
}

/** The operation of an object group name, today's, legacy or a custom object's (`O:<type>:<op>`, `O:<op>`, `C:<apiName>:<op>`). */
function operationOf(name: BatchGroup): ObjectOperation | undefined {
  const group = parseGroupName(name);
  if (group?.kind === 'customObject') return group.operation === 'DELETE' ? undefined : group.operation;
  if (group !== undefined) return group.kind === 'object' ? group.operation : undefined;
  const legacy = parseLegacyGroupName(name);
  return legacy?.kind === 'object' ? legacy.operation : undefined;
}

/**
 * The group of a record pending in `older` that a change of group `newer` merges into: `newer` (the
 * newer naming wins), except that an UPDATE merged with an UPSERT must still create, so the merged
 * change is an UPSERT in `newer`'s naming. The buffer's scripts carry this rule as a table generated
 * from this function for the fixed groups (see `src/buffer/lua-loader.ts`), and as `upgrade` in
 * `common.lua` for a custom object's groups, whose names are an open set (tested against this function).
 */
export function mergedGroup(older: BatchGroup, newer: BatchGroup): BatchGroup {
  if (older === newer) return older;
  const a = operationOf(older);
  const b = operationOf(newer);
  const base = (name: BatchGroup): string => name.slice(0, name.lastIndexOf(':'));
  // A custom object's groups merge only with its own (one API name); the record key sees to that.
  if ((older.startsWith('C:') || newer.startsWith('C:')) && base(older) !== base(newer)) return newer;
  if ((a === 'UPDATE' && b === 'UPSERT') || (a === 'UPSERT' && b === 'UPDATE')) {
    return newer.replace(/UPDATE$/, 'UPSERT') as BatchGroup;
  }
  return newer;
}

const KEYED_LEAD_GROUPS = Object.fromEntries(
  LEAD_KEY_KINDS.map((key) => [key, groupName({ kind: 'lead', key, dedupEnabled: true })]),
) as Readonly<Record<LeadKeyKind, TransportGroupName>>;

/**
 * The group name of a lead ({@link leadGroupOf} by name, without building the group: intake calls it per
 * change); undefined for a lead without a key.
 */
export function leadGroupNameOf<L extends LeadKeys>(
  lead: L,
  dedupEnabled = true,
): TransportGroupName | undefined {
  if (!dedupEnabled) return 'L0';
  const key = leadKeyKindOf(lead);
  return key === undefined ? undefined : KEYED_LEAD_GROUPS[key];
}
