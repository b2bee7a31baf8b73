import type { BufferedChange } from '../buffer/buffer.js';
import type { StoredActivity, StoredChange, StoredLead, StoredMObject } from '../buffer/types.js';
import { attributeText, type AttributeValue, type LeadInput, type MObjectInput } from '../model/records.js';
import type { SyncOperation } from '../soap/types.js';
import type { ChangeKind } from '../producer/change-kinds.js';
import {
  groupName,
  leadGroupOf,
  MarketoCallError,
  objectGroupOf,
  parseGroupName,
  type RecordResult,
  type Transport,
  type TransportGroup,
} from '../transport/contract.js';
import type { Wire } from '../wire/registry.js';

/** What `mktsync send` hands over once every line is valid. */
export interface SendInput {
  /** The change kind, or `customobjects` (object lines naming an apiName, sent on their own). */
  kind: ChangeKind | 'customobjects';
  /** Custom activities (kind `activities`): sent 300 a call, in file order. */
  activities?: StoredActivity[];
  /** The file's line of each record. */
  lines: number[];
  leads: LeadInput[];
  objects: MObjectInput[];
  /** Memberships, validated by their change format: each with its group. */
  members?: { group: TransportGroup; data: StoredChange }[];
  /** Custom object changes as intake takes them (group and stored record). */
  customObjects?: readonly BufferedChange[];
  dedupEnabled?: boolean;
  operation?: SyncOperation;
  out: (line: string) => void;
  /** A record the wire cannot write (found before anything of its call was sent): `file:line: reason`. */
  refuse: (line: number | undefined, message: string) => void;
}

const texts = (values: Record<string, AttributeValue>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, attributeText(value)]));

/** A validated lead in the shape every transport takes (the buffer's). */
export function storedLead(input: LeadInput): StoredLead {
  const lead: StoredLead = { attributes: texts(input.attributes) };
  if (input.Id !== undefined) lead.Id = input.Id;
  if (input.Email !== undefined) lead.Email = input.Email;
  if (input.ForeignSysPersonId !== undefined) lead.ForeignSysPersonId = input.ForeignSysPersonId;
  if (input.ForeignSysType !== undefined) lead.ForeignSysType = input.ForeignSysType;
  return lead;
}

/** A validated object in the shape every transport takes (the buffer's). */
export function storedObject(input: MObjectInput): StoredMObject {
  const object: StoredMObject = { type: input.type };
  if (input.id !== undefined) object.id = input.id;
  if (input.externalKey !== undefined) object.externalKey = input.externalKey;
  if (input.attributes !== undefined) object.attributes = texts(input.attributes);
  if (input.typeAttributes !== undefined)
    object.typeAttributes = input.typeAttributes.map((t) => ({
      attrType: t.attrType,
      attributes: texts(t.attributes),
    }));
  if (input.associations !== undefined) object.associations = input.associations;
  return object;
}

/**
 * `mktsync send` over any wire: the file's records are grouped as the worker groups them (one key
 * kind, or one object type, per call), each group is sent through the {@link Transport}, and one line
 * is printed per record in file order, as `wire` presents it. Exit 0 when every call answered (even
 * with FAILED records), 1 on a call that failed, 2 on a record the wire cannot write.
 */
export async function sendCalls(wire: Wire, transport: Transport, input: SendInput): Promise<number> {
  const results = new Array<RecordResult | undefined>(input.lines.length);
  const groups = new Map<string, { group: TransportGroup; indexes: number[] }>();
  const add = (group: TransportGroup | undefined, index: number): void => {
    if (!group) {
      results[index] = {
        status: 'FAILED',
        id: null,
        code: null,
        category: 'invalid-record',
        message: 'no key (Id, ForeignSysPersonId or Email) or an unknown object type',
      };
      return;
    }
    const name = groupName(group);
    const entry = groups.get(name) ?? { group, indexes: [] };
    entry.indexes.push(index);
    groups.set(name, entry);
  };
  if (input.kind === 'activities') return sendActivityCalls(wire, transport, input);
  const leads = input.leads.map(storedLead);
  const objects = input.objects.map(storedObject);
  const members = input.members ?? [];
  const custom = input.customObjects ?? [];
  if (input.kind === 'leads') leads.forEach((l, i) => add(leadGroupOf(l, input.dedupEnabled ?? true), i));
  else if (input.kind === 'memberships') members.forEach((m, i) => add(m.group, i));
  else if (input.kind === 'customobjects') custom.forEach((c, i) => add(parseGroupName(c.group), i));
  else objects.forEach((o, i) => add(objectGroupOf(o, input.operation!), i));
  const dataOf = (i: number): StoredChange =>
    input.kind === 'leads'
      ? leads[i]!
      : input.kind === 'memberships'
        ? members[i]!.data
        : input.kind === 'customobjects'
          ? custom[i]!.data
          : objects[i]!;
  for (const { group, indexes } of groups.values()) {
    try {
      const answer = await transport.send({ group, records: indexes.map(dataOf) } as Parameters<
        Transport['send']
      >[0]);
      indexes.forEach((index, j) => {
        results[index] = answer[j]!;
      });
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      // A record the wire cannot write at all (e.g. text XML cannot carry): bad input, nothing of it sent.
      if (
        error.applied === 'not-sent' &&
        error.category === 'invalid-record' &&
        error.recordIndex !== undefined
      ) {
        const index = indexes[error.recordIndex];
        input.refuse(index === undefined ? undefined : input.lines[index], error.message);
        return 2;
      }
      input.out(`${JSON.stringify({ fault: wire.faultLine(error) })}\n`);
      return 1;
    }
  }
  results.forEach((r, i) =>
    input.out(`${JSON.stringify({ line: input.lines[i], ...wire.resultLine(r!) })}\n`),
  );
  return 0;
}

/** `mktsync send activities`: one call per 300 activities, in file order, one line per record. */
async function sendActivityCalls(wire: Wire, transport: Transport, input: SendInput): Promise<number> {
  const activities = input.activities ?? [];
  const group = { kind: 'activity' } as const;
  const max = transport.maxRecords(group);
  const results: RecordResult[] = [];
  for (let at = 0; at < activities.length; at += max) {
    try {
      results.push(...(await transport.send({ group, records: activities.slice(at, at + max) })));
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      input.out(`${JSON.stringify({ fault: wire.faultLine(error) })}\n`);
      return 1;
    }
  }
  results.forEach((r, i) =>
    input.out(`${JSON.stringify({ line: input.lines[i], ...wire.resultLine(r) })}\n`),
  );
  return 0;
}
