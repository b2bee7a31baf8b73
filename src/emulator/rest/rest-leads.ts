import type { RecordRule } from '../config.js';
import type { LeadStore } from '../lead-store.js';
import type { ReceivedLead } from '../request-reader.js';
import { RecordSkip, RestCallError, type RestReason } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';
import { leadValueText, type LeadFieldCatalogue } from './lead-fields.js';
import {
  enumParam,
  named,
  inputParam,
  isJsonObject,
  restRuleVerdict,
  shown,
  stringParam,
  type JsonObject,
} from './rest-records.js';

/**
 * Sync Leads (`POST /rest/v1/leads.json`) on the shared lead store: one result per input record, in
 * input order, `{id, status: created|updated}` or `{status: skipped, reasons}`.
 */

export const LEAD_ACTIONS = ['createOnly', 'updateOnly', 'createOrUpdate', 'createDuplicate'] as const;
export type LeadAction = (typeof LEAD_ACTIONS)[number];

export interface SyncLeadsCall {
  action: LeadAction;
  lookupField: string;
  partitionName?: string;
  input: unknown[];
}

export type LeadResult =
  { id: number; status: 'created' | 'updated' } | { status: 'skipped'; reasons: RestReason[] };

/** Reads the call's parameters; throws {@link RestCallError} for a call Marketo would refuse whole. */
export function readSyncLeads(body: JsonObject, rest: RestConfig): SyncLeadsCall {
  const action = enumParam(body, 'action', LEAD_ACTIONS, 'createOrUpdate');
  const lookupField = stringParam(body, 'lookupField') ?? 'email';
  const partitionName = stringParam(body, 'partitionName');
  const asyncProcessing = body.asyncProcessing;
  if (asyncProcessing !== undefined && typeof asyncProcessing !== 'boolean')
    throw new RestCallError(
      1003,
      `Invalid value ${shown(asyncProcessing)} for asyncProcessing: must be a boolean`,
    );
  if (asyncProcessing === true && rest.asyncProcessing === 'refuse')
    throw new RestCallError(1003, 'asyncProcessing is not supported by this instance');
  const input = inputParam(body, rest);
  const call: SyncLeadsCall = { action, lookupField, input };
  if (partitionName !== undefined) call.partitionName = partitionName;
  return call;
}

/** A REST record as the SOAP-shaped record rules see it (SOAP attribute names). */
function asReceivedLead(record: unknown, catalogue: LeadFieldCatalogue): ReceivedLead {
  const lead: ReceivedLead = { attributes: [], unknownElements: [] };
  if (!isJsonObject(record)) return lead;
  for (const [name, value] of Object.entries(record)) {
    const soap = catalogue.byRestName(name)?.soap ?? name;
    const text = value === null || typeof value === 'object' ? '' : String(value);
    if (soap === 'Id') lead.Id = Number(text);
    else if (soap === 'Email') lead.Email = text;
    lead.attributes.push({ name: soap, value: text });
  }
  return lead;
}

/** Applies one Sync Leads call. */
export function syncLeads(
  call: SyncLeadsCall,
  context: { leads: LeadStore; catalogue: LeadFieldCatalogue; rest: RestConfig; rules: RecordRule[] },
): LeadResult[] {
  const { catalogue, leads, rest } = context;
  if (rest.unknownField === 'call') {
    const unknown = new Set<string>();
    for (const record of call.input)
      if (isJsonObject(record))
        for (const name of Object.keys(record)) if (!catalogue.byRestName(name)) unknown.add(name);
    if (unknown.size > 0) {
      const names = [...unknown].slice(0, 10).map(named).join(', ');
      throw new RestCallError(
        1006,
        `Field ${names}${unknown.size > 10 ? ` and ${unknown.size - 10} more` : ''} not found`,
      );
    }
  }
  const injected = restRuleVerdict(
    context.rules,
    call.input.map((r) => asReceivedLead(r, catalogue)),
    true,
  );
  return call.input.map((record, index) => {
    const reason = injected.get(index);
    if (reason) return { status: 'skipped', reasons: [reason] };
    try {
      return syncOne(record, call, leads, catalogue, rest);
    } catch (error) {
      if (error instanceof RecordSkip) return { status: 'skipped', reasons: [error.reason] };
      throw error;
    }
  });
}

function syncOne(
  record: unknown,
  call: SyncLeadsCall,
  leads: LeadStore,
  catalogue: LeadFieldCatalogue,
  rest: RestConfig,
): LeadResult {
  if (!isJsonObject(record)) throw new RecordSkip(1003, 'Invalid data: a lead record must be a JSON object');
  const lookup = catalogue.byRestName(call.lookupField);
  if (!lookup) throw new RecordSkip(1006, `Field ${named(call.lookupField)} not found`);
  if (!catalogue.isLookupField(lookup))
    throw new RecordSkip(1011, `Field ${named(call.lookupField)} not supported`);
  const attributes: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(record)) {
    const field = catalogue.byRestName(name);
    if (!field) throw new RecordSkip(1006, `Field ${named(name)} not found`);
    const converted = leadValueText(field, value);
    if ('error' in converted) throw new RecordSkip(1001, converted.error);
    if (field.soap !== 'Id') attributes[field.soap] = converted.text;
  }
  // Adobe: "Because id is a system-managed unique key, include it only with the updateOnly action."
  if ('id' in record && call.action !== 'updateOnly')
    throw new RecordSkip(1003, 'Invalid data: id is allowed only with action updateOnly');
  if (
    call.partitionName !== undefined &&
    call.action !== 'updateOnly' &&
    !rest.partitions.includes(call.partitionName)
  )
    throw new RecordSkip(1008, `Access denied to partition ${named(call.partitionName)}`);

  if (call.action === 'createDuplicate') return { id: leads.create(attributes).id, status: 'created' };
  const key = record[call.lookupField];
  if (key === undefined || key === null || key === '')
    throw new RecordSkip(1002, `Missing value for required parameter '${call.lookupField}'`);
  const matches = leads.findBy(lookup.soap, String(key));
  if (call.action === 'createOnly') {
    if (matches.length > 0) throw new RecordSkip(1005, 'Lead already exists');
    return { id: leads.create(attributes).id, status: 'created' };
  }
  if (matches.length > 1) throw new RecordSkip(1007, 'Multiple leads match the lookup criteria');
  const lead = matches[0];
  if (!lead) {
    if (call.action === 'updateOnly') throw new RecordSkip(1004, 'Lead not found');
    return { id: leads.create(attributes).id, status: 'created' };
  }
  leads.update(lead, attributes);
  return { id: lead.id, status: 'updated' };
}
