import type { StoredLead, StoredMObject } from '../buffer/types.js';
import { readRestSettings } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { RestTransport } from '../rest/client.js';
import type { LeadRecord, MObject, SyncOperation } from '../soap/types.js';
import {
  groupName,
  leadGroupOf,
  MarketoCallError,
  objectGroupOf,
  type LeadGroup,
  type ObjectGroup,
  type RecordResult,
} from '../transport/contract.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ENCRYPTION_KEY, DEMO_USER_ID } from './emulator-command.js';

/** What `mktsync send` hands over once every line is valid. */
export interface RestSendInput {
  kind: 'leads' | 'mobjects';
  lines: number[];
  leads: LeadRecord[];
  objects: MObject[];
  dedupEnabled?: boolean;
  operation?: SyncOperation;
  emulator: boolean;
  /** The longest wait for one answer (`--timeout`). */
  responseTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
}

function storedLead(record: LeadRecord): StoredLead {
  const lead: StoredLead = {
    attributes: Object.fromEntries((record.attributes ?? []).map((a) => [a.name, a.value])),
  };
  if (record.Id !== undefined) lead.Id = record.Id;
  if (record.Email !== undefined) lead.Email = record.Email;
  if (record.ForeignSysPersonId !== undefined) lead.ForeignSysPersonId = record.ForeignSysPersonId;
  if (record.ForeignSysType !== undefined) lead.ForeignSysType = record.ForeignSysType;
  return lead;
}

function storedObject(object: MObject): StoredMObject {
  const stored: StoredMObject = { type: object.type };
  if (object.id !== undefined) stored.id = object.id;
  if (object.externalKey !== undefined) stored.externalKey = object.externalKey;
  if (object.attributes !== undefined)
    stored.attributes = Object.fromEntries(object.attributes.map((a) => [a.name, a.value]));
  if (object.typeAttributes !== undefined)
    stored.typeAttributes = object.typeAttributes.map((t) => ({
      attrType: t.attrType,
      attributes: Object.fromEntries(t.attributes.map((a) => [a.name, a.value])),
    }));
  if (object.associations !== undefined) stored.associations = object.associations;
  return stored;
}

/**
 * `mktsync send` over REST: the file's records are grouped as the worker groups them (one key kind,
 * or one object type, per call), each group is sent, and one line is printed per record in file
 * order. Exit 0 when every call answered (even with FAILED records), 1 on a call that failed.
 */
export async function sendOverRest(input: RestSendInput): Promise<number> {
  let emulator: Emulator | undefined;
  let transport: RestTransport;
  if (input.emulator) {
    emulator = await startEmulator({
      userId: DEMO_USER_ID,
      encryptionKey: DEMO_ENCRYPTION_KEY,
      rest: { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET },
    });
    transport = new RestTransport({
      endpoint: emulator.restEndpoint,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      foreignIdField: 'crmContactId',
      responseTimeoutMs: input.responseTimeoutMs,
    });
  } else {
    const s = readRestSettings(input.env);
    transport = new RestTransport({
      endpoint: s.endpoint,
      identityEndpoint: s.identityEndpoint,
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      ...(s.foreignIdField ? { foreignIdField: s.foreignIdField } : {}),
      ...(s.partitionName ? { partitionName: s.partitionName } : {}),
      responseTimeoutMs: input.responseTimeoutMs,
    });
  }
  const results = new Array<RecordResult | undefined>(input.lines.length);
  const groups = new Map<string, { group: LeadGroup | ObjectGroup; indexes: number[] }>();
  const add = (group: LeadGroup | ObjectGroup | undefined, index: number): void => {
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
  const leads = input.leads.map(storedLead);
  const objects = input.objects.map(storedObject);
  if (input.kind === 'leads') leads.forEach((l, i) => add(leadGroupOf(l, input.dedupEnabled ?? true), i));
  else objects.forEach((o, i) => add(objectGroupOf(o, input.operation!), i));
  try {
    for (const { group, indexes } of groups.values()) {
      const answer =
        group.kind === 'lead'
          ? await transport.send({ group, records: indexes.map((i) => leads[i]!) })
          : await transport.send({ group, records: indexes.map((i) => objects[i]!) });
      indexes.forEach((index, j) => {
        results[index] = answer[j]!;
      });
    }
  } catch (error) {
    if (!(error instanceof MarketoCallError)) throw error;
    const fault = {
      category: error.category,
      code: error.code,
      applied: error.applied,
      message: error.message,
    };
    input.out(`${JSON.stringify({ fault })}\n`);
    return 1;
  } finally {
    transport.close();
    await emulator?.close();
  }
  results.forEach((r, i) =>
    input.out(
      `${JSON.stringify({
        line: input.lines[i],
        status: r!.status,
        id: r!.id,
        code: r!.code,
        error: r!.message,
        ...(r!.field ? { field: r!.field } : {}),
      })}\n`,
    ),
  );
  return 0;
}
