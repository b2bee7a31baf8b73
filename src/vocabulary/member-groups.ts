import type { TransportKind } from './transport-kinds.js';

/**
 * The batch groups of the objects that live over REST only and whose calls are per something: custom
 * activities (one group, every type in one call), custom objects (per API name and operation), static
 * list membership (per list and action) and program member status (per program and status). Their names
 * carry that parameter, so the set of groups is open: the buffer lists the groups it has seen (`groups`)
 * and the workers claim from those that parse here.
 *
 * Names: `A`, `C:<apiName>:<operation>`, `M:<listId>:<action>`, `S:<programId>:<status>`.
 */

/** What a custom object call does: Sync Custom Objects' actions (createOnly, updateOnly, createOrUpdate) and Delete. */
export const CUSTOM_OBJECT_OPERATIONS = ['INSERT', 'UPDATE', 'UPSERT', 'DELETE'] as const;
export type CustomObjectOperation = (typeof CUSTOM_OBJECT_OPERATIONS)[number];

/** What a list membership change does: Add to List or Remove from List. The last one per (list, lead) wins. */
export const MEMBERSHIP_ACTIONS = ['ADD', 'REMOVE'] as const;
export type MembershipAction = (typeof MEMBERSHIP_ACTIONS)[number];

/** Custom activities of every type: Add Custom Activities takes mixed types in one call. Never merged. */
export interface ActivityGroup {
  readonly kind: 'activity';
}

/** Custom objects of one API name with one operation (one endpoint and one action per call). */
export interface CustomObjectGroup {
  readonly kind: 'customObject';
  readonly apiName: string;
  readonly operation: CustomObjectOperation;
}

/** Static list membership changes of one list with one action. */
export interface ListMembershipGroup {
  readonly kind: 'listMembership';
  readonly listId: number;
  readonly action: MembershipAction;
}

/** Program member status changes of one program to one status (the call carries one status). */
export interface ProgramStatusGroup {
  readonly kind: 'programStatus';
  readonly programId: number;
  readonly status: string;
}

export type MemberGroup = ActivityGroup | CustomObjectGroup | ListMembershipGroup | ProgramStatusGroup;

export type ActivityGroupName = 'A';
export type CustomObjectGroupName = `C:${string}:${CustomObjectOperation}`;
export type ListMembershipGroupName = `M:${number}:${MembershipAction}`;
export type ProgramStatusGroupName = `S:${number}:${string}`;
export type MemberGroupName =
  ActivityGroupName | CustomObjectGroupName | ListMembershipGroupName | ProgramStatusGroupName;

/** A custom object's API name as Marketo forms them (`car_c`): a letter, then letters, digits or `_`. */
export const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
/** Longest program member status name kept (Marketo's channel step names are short). */
export const MAX_STATUS_NAME = 100;

/** Why `apiName` cannot name a custom object, or undefined. */
export function apiNameProblem(apiName: unknown): string | undefined {
  if (typeof apiName !== 'string' || !API_NAME.test(apiName))
    return 'must be a custom object API name: a letter, then up to 99 letters, digits or _';
  return undefined;
}

/** Why `id` cannot be a list or program id, or undefined. */
export function assetIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647)
    return 'must be a positive integer (a Marketo id)';
  return undefined;
}

/** Why `status` cannot name a program member status, or undefined. */
export function statusNameProblem(status: unknown): string | undefined {
  if (typeof status !== 'string' || status.trim().length === 0 || status.length > MAX_STATUS_NAME)
    return `must be a status name of 1 to ${MAX_STATUS_NAME} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(status)) return 'must not contain control characters';
  return undefined;
}

/** The name of a member group. */
export function memberGroupName(group: MemberGroup): MemberGroupName {
  switch (group.kind) {
    case 'activity':
      return 'A';
    case 'customObject':
      return `C:${group.apiName}:${group.operation}`;
    case 'listMembership':
      return `M:${group.listId}:${group.action}`;
    case 'programStatus':
      return `S:${group.programId}:${group.status}`;
  }
}

/** The member group `name` names, or undefined (a malformed parameter included). */
export function parseMemberGroupName(name: string): MemberGroup | undefined {
  if (name === 'A') return { kind: 'activity' };
  const family = name.slice(0, 2);
  const rest = name.slice(2);
  if (family === 'C:') {
    const at = rest.lastIndexOf(':');
    const apiName = rest.slice(0, at);
    const operation = CUSTOM_OBJECT_OPERATIONS.find((o) => o === rest.slice(at + 1));
    if (at < 0 || operation === undefined || apiNameProblem(apiName) !== undefined) return undefined;
    return { kind: 'customObject', apiName, operation };
  }
  if (family === 'M:' || family === 'S:') {
    const at = rest.indexOf(':');
    const digits = rest.slice(0, at);
    const id = /^[1-9][0-9]{0,9}$/.test(digits) ? Number(digits) : NaN;
    if (at < 0 || assetIdProblem(id) !== undefined) return undefined;
    const tail = rest.slice(at + 1);
    if (family === 'M:') {
      const action = MEMBERSHIP_ACTIONS.find((a) => a === tail);
      return action === undefined ? undefined : { kind: 'listMembership', listId: id, action };
    }
    return statusNameProblem(tail) === undefined
      ? { kind: 'programStatus', programId: id, status: tail }
      : undefined;
  }
  return undefined;
}

/**
 * A Lua pattern per member group family, for the buffer's scripts (a coarse check of a claim's group;
 * {@link parseMemberGroupName} is the strict one, applied before anything is written).
 */
export const MEMBER_GROUP_PATTERNS: readonly string[] = [
  '^A$',
  ...CUSTOM_OBJECT_OPERATIONS.map((o) => `^C:%a[%w_]*:${o}$`),
  ...MEMBERSHIP_ACTIONS.map((a) => `^M:%d+:${a}$`),
  '^S:%d+:.+$',
];

/** What each member group kind holds, for messages. A `Record` over the kinds: a new kind names itself. */
export const MEMBER_KIND_NAMES: Readonly<Record<MemberGroup['kind'], string>> = {
  activity: 'Custom activities',
  customObject: 'Custom objects',
  listMembership: 'Static list membership',
  programStatus: 'Program member status',
};

/**
 * Why `transport` cannot carry a member group of `kind`, or undefined when it can: they exist over REST
 * only (the SOAP API has none of them), so intake refuses them when the workers speak SOAP and a SOAP
 * worker settles any that reach it FAILED with this reason.
 */
export function memberTransportProblem(
  kind: MemberGroup['kind'],
  transport: TransportKind,
): string | undefined {
  if (transport === 'rest') return undefined;
  return `${MEMBER_KIND_NAMES[kind]} do not exist over ${transport.toUpperCase()}: Marketo offers them over REST only (set MARKETO_TRANSPORT=rest for the workers and intake)`;
}
