import type { BufferedChange } from '../buffer/buffer.js';
import type { StoredMembership, StoredProgramStatus } from '../buffer/types.js';
import type { InputProblem } from '../model/records.js';
import { leadRefKind, leadRefValue, parseLeadRef, type LeadRef } from '../vocabulary/lead-refs.js';
import {
  assetIdProblem,
  memberGroupName,
  MEMBERSHIP_ACTIONS,
  statusNameProblem,
  type MembershipAction,
} from '../vocabulary/member-groups.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import type { ValidatedChanges } from './changes.js';
import { idempotencyKeySchema } from './idempotency-key.js';
import { encodeUriComponent } from './uri-component.js';

/**
 * The membership change format (library `enqueueMemberships`, HTTP `POST /v1/memberships`, files of kind
 * `memberships`): a static list membership change or a program member status change, each naming its
 * lead by reference.
 *
 * - `{"listId": 7001, "lead": {"Email": "ann@example.com"}, "action": "ADD" | "REMOVE"}`: the last add or
 *   remove per (list, lead) wins.
 * - `{"programId": 1001, "lead": {"Id": 42}, "status": "Attended"}`: the furthest status per (program,
 *   lead) wins (Marketo never moves a member back).
 *
 * Both may carry an `idempotencyKey`. Over SOAP neither exists: intake refuses them, saying so.
 */

/** A list membership change as producers give it. */
export interface ListMembershipChange {
  listId: number;
  lead: LeadRef;
  action: MembershipAction;
  idempotencyKey?: string;
}

/** A program member status change as producers give it. */
export interface ProgramStatusChange {
  programId: number;
  lead: LeadRef;
  status: string;
  idempotencyKey?: string;
}

export type MembershipChange = ListMembershipChange | ProgramStatusChange;

const LIST_FIELDS = new Set(['listId', 'lead', 'action', 'idempotencyKey']);
const PROGRAM_FIELDS = new Set(['programId', 'lead', 'status', 'idempotencyKey']);

/** The lead part of a record key: `<kind>:<value>`, an email lower-cased (Marketo matches it so). */
function leadKeyPart(ref: LeadRef): string {
  const kind = leadRefKind(ref);
  const value = String(leadRefValue(ref));
  return `${kind}:${encodeUriComponent(kind === 'Email' ? value.toLowerCase() : value)}`;
}

/** The record key of a list membership: per (list, lead). */
export function membershipKey(listId: number, lead: LeadRef): string {
  return `M:${listId}:${leadKeyPart(lead)}`;
}

/** The record key of a program member status: per (program, lead). */
export function programStatusKey(programId: number, lead: LeadRef): string {
  return `S:${programId}:${leadKeyPart(lead)}`;
}

type Problem = { field: string; reason: string };

/** One membership change as the buffer keeps it, or its problems, each naming its field. */
export function bufferedMembership(
  input: unknown,
  transport: TransportKind | undefined,
): { change: BufferedChange } | { problems: Problem[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { problems: [{ field: '(record)', reason: 'must be a JSON object' }] };
  const o = input as Record<string, unknown>;
  const isList = 'listId' in o;
  const isProgram = 'programId' in o;
  if (isList === isProgram)
    return {
      problems: [
        {
          field: '(record)',
          reason: isList
            ? 'must carry listId or programId, not both'
            : 'must carry listId (list membership) or programId (program member status)',
        },
      ],
    };
  const problems: Problem[] = [];
  const idField = isList ? 'listId' : 'programId';
  if (transport !== 'rest')
    problems.push({
      field: idField,
      reason: `${isList ? 'static list membership' : 'program member status'} exists over REST only; the workers' transport is SOAP (MARKETO_TRANSPORT)`,
    });
  const allowed = isList ? LIST_FIELDS : PROGRAM_FIELDS;
  for (const name of Object.keys(o))
    if (!allowed.has(name))
      problems.push({
        field: name,
        reason: `is not a field of a ${isList ? 'list membership' : 'program member status'} change (${[...allowed].join(', ')})`,
      });
  const id = o[idField];
  const idProblem = assetIdProblem(id);
  if (idProblem !== undefined) problems.push({ field: idField, reason: idProblem });
  const lead = parseLeadRef(o.lead);
  if ('problem' in lead) problems.push({ field: 'lead', reason: lead.problem });
  if (isList) {
    if (!MEMBERSHIP_ACTIONS.includes(o.action as MembershipAction))
      problems.push({ field: 'action', reason: `must be ${MEMBERSHIP_ACTIONS.join(' or ')}` });
  } else {
    const statusProblem = statusNameProblem(o.status);
    if (statusProblem !== undefined) problems.push({ field: 'status', reason: statusProblem });
  }
  let idempotencyKey: string | undefined;
  if (o.idempotencyKey !== undefined) {
    const parsed = idempotencyKeySchema.safeParse(o.idempotencyKey);
    if (parsed.success) idempotencyKey = parsed.data;
    else problems.push({ field: 'idempotencyKey', reason: parsed.error.issues[0]!.message });
  }
  if (problems.length > 0 || 'problem' in lead) return { problems };
  const change: BufferedChange = isList
    ? listChange(id as number, lead, o.action as MembershipAction)
    : statusChange(id as number, lead, o.status as string);
  if (idempotencyKey !== undefined) change.idempotencyKey = idempotencyKey;
  return { change };
}

function listChange(listId: number, lead: LeadRef, action: MembershipAction): BufferedChange {
  const data: StoredMembership = { listId, lead, action };
  return {
    key: membershipKey(listId, lead),
    group: memberGroupName({ kind: 'listMembership', listId, action }),
    data,
  };
}

function statusChange(programId: number, lead: LeadRef, status: string): BufferedChange {
  const data: StoredProgramStatus = { programId, lead, status };
  return {
    key: programStatusKey(programId, lead),
    group: memberGroupName({ kind: 'programStatus', programId, status }),
    data,
  };
}

/** Validates membership changes; see `validateLeads` (`at` names positions, `rules` the transport). */
export function validateMemberships(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
  rules: { transport?: TransportKind } = {},
): ValidatedChanges {
  const out: ValidatedChanges = { valid: [], problems: [] };
  inputs.forEach((input, i) => {
    const result = bufferedMembership(input, rules.transport);
    if ('change' in result) out.valid.push({ index: i, change: result.change });
    else out.problems.push(...result.problems.map((p): InputProblem => ({ at: at(i), ...p })));
  });
  return out;
}
