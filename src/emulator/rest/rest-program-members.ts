import type { LeadStore } from '../lead-store.js';
import type { EmulatedChannel, MembershipStore } from '../membership-store.js';
import type { MObjectStore } from '../mobject-store.js';
import { RestCallError, type RestReason } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';
import { findProgram } from './rest-programs.js';
import { isJsonObject, shown, type JsonObject } from './rest-records.js';

/**
 * Sync Program Member Status (`POST /rest/v1/programs/{programId}/members/status.json`, JSON
 * `{statusName, input:[{leadId}]}`, up to 300 leads) and Get Channels (`GET /rest/asset/v1/channels.json`).
 *
 * As the page says: an upsert per lead (`created` for a new member, `updated` for a member moved on);
 * a lead already at or past the status (its step ≥ the status's step: a resend included) is skipped
 * with 1037 and no `leadId`, as the page's example shows. Where the pages say nothing (reference 10.7):
 * a status the program's channel lacks is skipped per lead with 1025 "Program status not found"; an
 * unknown program is refused whole with the configured unknown-program code (702); an unknown lead is
 * skipped with 1004. The answer follows the page (`created` included), not the Swagger enum.
 */

export const MAX_STATUS_LEADS = 300;

export interface StatusResult {
  seq: number;
  status: 'created' | 'updated' | 'skipped';
  leadId?: number;
  reasons?: RestReason[];
}

export interface StatusCall {
  statusName: string;
  leadIds: number[];
}

export function readStatusCall(body: JsonObject): StatusCall {
  const { statusName, input } = body;
  if (statusName === undefined)
    throw new RestCallError(1003, "Missing value for required parameter 'statusName'");
  if (typeof statusName !== 'string' || statusName.trim() === '')
    throw new RestCallError(1003, `Invalid value ${shown(statusName)} for statusName: must be a status name`);
  if (!Array.isArray(input) || input.length === 0)
    throw new RestCallError(1003, "Missing value for required parameter 'input'");
  if (input.length > MAX_STATUS_LEADS)
    throw new RestCallError(1003, `Too many records: ${input.length}, at most ${MAX_STATUS_LEADS} a call`);
  const leadIds = input.map((item, i) => {
    const leadId = isJsonObject(item) ? item.leadId : undefined;
    if (typeof leadId !== 'number' || !Number.isSafeInteger(leadId) || leadId <= 0)
      throw new RestCallError(
        1003,
        `Invalid value ${shown(leadId)} for input[${i}].leadId: must be a lead id`,
      );
    return leadId;
  });
  return { statusName, leadIds };
}

/** The channel of a program: its `Channel` tag, looked up among the channels. */
export function programChannel(
  programId: number,
  stores: { mobjects: MObjectStore; memberships: MembershipStore; rest: RestConfig },
): EmulatedChannel | undefined {
  const program = findProgram(stores.mobjects, programId, stores.rest);
  const name = program.tags.Channel;
  return name === undefined ? undefined : stores.memberships.channel(name);
}

export function syncProgramMemberStatus(
  programId: number,
  call: StatusCall,
  stores: { mobjects: MObjectStore; memberships: MembershipStore; leads: LeadStore; rest: RestConfig },
): StatusResult[] {
  const channel = programChannel(programId, stores);
  const target = channel?.progressionStatuses.find((s) => s.name === call.statusName);
  const members = stores.memberships.programMembers(programId);
  const now = new Date().toISOString();
  return call.leadIds.map((leadId, seq): StatusResult => {
    if (!target)
      return {
        seq,
        status: 'skipped',
        leadId,
        reasons: [{ code: '1025', message: `Program status not found: ${call.statusName.slice(0, 100)}` }],
      };
    if (!stores.leads.get(leadId))
      return { seq, status: 'skipped', leadId, reasons: [{ code: '1004', message: 'Lead not found' }] };
    const member = members.get(leadId);
    if (member) {
      const current = channel!.progressionStatuses.find((s) => s.name === member.status)?.step ?? 0;
      if (current >= target.step)
        return {
          seq,
          status: 'skipped',
          reasons: [{ code: '1037', message: 'Lead skipped because it is already in or past this status' }],
        };
      member.status = target.name;
      member.updatedAt = now;
      return { seq, status: 'updated', leadId };
    }
    members.set(leadId, { leadId, status: target.name, createdAt: now, updatedAt: now });
    return { seq, status: 'created', leadId };
  });
}

/** Get Channels: every channel with its progression statuses. */
export function channelsView(memberships: MembershipStore): unknown[] {
  return memberships.channels().map((c) => ({
    id: c.id,
    name: c.name,
    applicableProgramType: 'event',
    createdAt: '2026-01-01T00:00:00Z+0000',
    updatedAt: '2026-01-01T00:00:00Z+0000',
    progressionStatuses: c.progressionStatuses.map((s) => ({
      name: s.name,
      step: s.step,
      success: s.success,
      hidden: s.hidden,
      description: '',
    })),
  }));
}
