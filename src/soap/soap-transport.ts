import type { StoredLead, StoredMObject } from '../buffer/types.js';
import {
  boundText,
  MarketoCallError,
  type CallApplied,
  type CallErrorCategory,
  type CallOptions,
  type RecordResult,
  type RecordStatus,
  type AttemptReporter,
  type Transport,
  type TransportCall,
  type TransportGroup,
} from '../transport/contract.js';
import { soapCallAttempt } from './call-attempt.js';
import { MarketoSoapClient, type SoapClientOptions } from './client.js';
import {
  HttpStatusError,
  MarketoFault,
  namedFields,
  ResultCountMismatchError,
  SoapError,
  TransportError,
  type ErrorCategory,
} from './faults.js';
import type { LeadRecord, LeadSyncStatus, MObject, MObjStatus } from './types.js';
import { XmlTextError } from './xml-text.js';
import { memberTransportProblem } from '../vocabulary/member-groups.js';
import { transportProblem } from '../vocabulary/object-types.js';

/** syncMultipleLeads takes up to 300 leads, syncMObjects up to 100 objects. */
export const SOAP_MAX_LEADS = 300;
export const SOAP_MAX_MOBJECTS = 100;
/** How long to hold off after 20024 (too many calls at once): a call in flight ends within seconds. */
export const SOAP_CONCURRENCY_PAUSE_MS = 1_000;
/** How long to hold off after 20023: Marketo's rate window (100 calls per 20 s). */
export const SOAP_RATE_WINDOW_MS = 20_000;

const RECORD_CODE = /^(\d{5})\b/;

function leadRecord(data: StoredLead): LeadRecord {
  const record: LeadRecord = {
    attributes: Object.entries(data.attributes).map(([name, value]) => ({ name, value })),
  };
  if (data.Id !== undefined) record.Id = data.Id;
  if (data.Email !== undefined) record.Email = data.Email;
  if (data.ForeignSysPersonId !== undefined) record.ForeignSysPersonId = data.ForeignSysPersonId;
  if (data.ForeignSysType !== undefined) record.ForeignSysType = data.ForeignSysType;
  return record;
}

function mobject(data: StoredMObject): MObject {
  const object: MObject = { type: data.type };
  if (data.id !== undefined) object.id = data.id;
  if (data.externalKey !== undefined) object.externalKey = data.externalKey;
  if (data.attributes !== undefined)
    object.attributes = Object.entries(data.attributes).map(([name, value]) => ({ name, value }));
  if (data.typeAttributes !== undefined) {
    object.typeAttributes = data.typeAttributes.map((t) => ({
      attrType: t.attrType,
      attributes: Object.entries(t.attributes).map(([name, value]) => ({ name, value })),
    }));
  }
  if (data.associations !== undefined) object.associations = data.associations;
  return object;
}

/** A SOAP category in the contract's words: SOAP's `re-sign` is the contract's `re-auth`. */
function contractCategory(category: ErrorCategory): CallErrorCategory {
  return category === 're-sign' ? 're-auth' : category;
}

/**
 * A SOAP status in the contract's words. `DELETED` is in the schema's list but no sync call produces
 * it; should Marketo answer it, the record is reported UPDATED with Marketo's word in the message.
 */
function contractStatus(status: Exclude<LeadSyncStatus | MObjStatus, 'FAILED'>): RecordStatus {
  switch (status) {
    case 'CREATED':
    case 'UPDATED':
    case 'UNCHANGED':
    case 'SKIPPED':
      return status;
    case 'DELETED':
      return 'UPDATED';
    default:
      return status satisfies never;
  }
}

/** One SOAP record result in the contract's words. */
function recordResult(
  status: LeadSyncStatus | MObjStatus,
  id: number,
  error: string | undefined,
): RecordResult {
  const message = error === undefined ? null : boundText(error);
  if (status !== 'FAILED') {
    const known = contractStatus(status);
    return {
      status: known,
      id: id > 0 ? String(id) : null,
      code: null,
      category: null,
      message: known === status ? message : `Marketo answered ${status}${message ? `: ${message}` : ''}`,
    };
  }
  const code = RECORD_CODE.exec(error ?? '')?.[1] ?? null;
  const field = namedFields(error)[0];
  return {
    status: 'FAILED',
    id: id > 0 ? String(id) : null,
    code,
    // 20106 (Lead Sync Failed) may pass on a second try; every other per-record failure is final.
    category: code === '20106' ? 'transient' : 'invalid-record',
    message,
    ...(field !== undefined ? { field: `attributes.${field}` } : {}),
  };
}

/** What is known about whether Marketo applied a call that ended in `error`. */
function appliedOf(error: SoapError): CallApplied {
  if (error instanceof MarketoFault) return 'not-applied';
  if (error instanceof TransportError) return error.sent ? 'indeterminate' : 'not-sent';
  if (error instanceof HttpStatusError)
    return error.category === 'indeterminate' ? 'indeterminate' : 'not-applied';
  return 'indeterminate';
}

function codeOf(error: SoapError, signal: AbortSignal | undefined): string | null {
  if (error instanceof MarketoFault) return error.code === undefined ? null : String(error.code);
  if (error instanceof HttpStatusError) return `http:${error.httpStatus}`;
  if (error instanceof TransportError) return signal?.aborted ? 'aborted' : 'transport';
  if (error instanceof ResultCountMismatchError) return 'count-mismatch';
  return 'malformed-answer';
}

/** A SOAP client's error as the contract's {@link MarketoCallError}. */
export function soapCallError(error: SoapError, signal?: AbortSignal): MarketoCallError {
  const code = codeOf(error, signal);
  const fields = error instanceof MarketoFault ? error.fields.map((f) => `attributes.${f}`) : [];
  const httpStatus =
    error instanceof HttpStatusError || error instanceof TransportError ? error.httpStatus : undefined;
  // The endpoint's path answers 404, or the endpoint redirects (an http:// URL of an https host): the
  // setting is wrong, the same decision as REST's (see docs/rest.md).
  const config =
    error instanceof HttpStatusError &&
    (error.httpStatus === 404 || (error.httpStatus >= 300 && error.httpStatus < 400));
  return new MarketoCallError(
    error.message,
    {
      category: config ? 'config' : contractCategory(error.category),
      ...(config ? { setting: 'MARKETO_SOAP_ENDPOINT' } : {}),
      code,
      applied: appliedOf(error),
      ...(code === '20024' ? { retryAfterMs: SOAP_CONCURRENCY_PAUSE_MS } : {}),
      ...(code === '20023' ? { retryAfterMs: SOAP_RATE_WINDOW_MS, rateWindow: true } : {}),
      ...(fields.length > 0 ? { field: fields[0]!, fields } : {}),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    },
    { cause: error },
  );
}

/**
 * The SOAP transport: Marketo's mktows API behind the transport contract. Leads go through
 * syncMultipleLeads (300 a call), objects through syncMObjects (100 a call); faults, HTTP failures and
 * answers become {@link MarketoCallError}s and {@link RecordResult}s here, so nothing outside knows SOAP.
 */
export class SoapTransport implements Transport {
  readonly kind = 'soap' as const;
  readonly client: MarketoSoapClient;

  constructor(client: MarketoSoapClient | SoapClientOptions) {
    this.client = client instanceof MarketoSoapClient ? client : new MarketoSoapClient(client);
  }

  maxRecords(group: TransportGroup): number {
    return group.kind === 'lead' ? SOAP_MAX_LEADS : SOAP_MAX_MOBJECTS;
  }

  async send(call: TransportCall, options: CallOptions = {}): Promise<RecordResult[]> {
    if (call.records.length === 0) return [];
    const control = {
      ...(options.stopping ? { noNewAttempts: options.stopping } : {}),
      ...(options.signal ? { abandon: options.signal } : {}),
    };
    try {
      if (call.group.kind === 'lead') {
        const results = await this.client.syncMultipleLeads(
          (call.records as readonly StoredLead[]).map(leadRecord),
          { dedupEnabled: call.group.dedupEnabled, ...control },
        );
        return results.map((r) => recordResult(r.status, r.leadId, r.error));
      }
      const group = call.group;
      // A type or kind SOAP lacks (a Company, a custom activity) that reached a SOAP worker anyway (intake
      // ran under REST, the workers now speak SOAP): each record fails naming why, never sent, never
      // stranded.
      const absent =
        group.kind === 'object'
          ? transportProblem(group.type, this.kind)
          : memberTransportProblem(group.kind, this.kind);
      if (absent !== undefined || group.kind !== 'object')
        return call.records.map(() => ({
          status: 'FAILED' as const,
          id: null,
          code: null,
          category: 'invalid-record' as const,
          message: absent ?? null,
          field: group.kind === 'object' ? 'type' : 'group',
        }));
      const objects = call.records as readonly StoredMObject[];
      const stray = objects.findIndex((o) => o.type !== group.type);
      if (stray >= 0)
        throw new MarketoCallError(`record ${stray} is a ${objects[stray]!.type}, not a ${group.type}`, {
          category: 'invalid-record',
          code: null,
          applied: 'not-sent',
          field: 'type',
          recordIndex: stray,
        });
      const results = await this.client.syncMObjects(objects.map(mobject), group.operation, control);
      return results.map((r) => recordResult(r.status, r.id, r.error));
    } catch (error) {
      if (error instanceof XmlTextError)
        // Validation at intake makes this unreachable for new changes; the record alone is refused.
        throw new MarketoCallError(error.message, {
          category: 'invalid-record',
          code: null,
          applied: 'not-sent',
          field: error.field,
          ...(error.recordIndex !== undefined ? { recordIndex: error.recordIndex } : {}),
        });
      if (error instanceof SoapError) throw soapCallError(error, options.signal);
      throw error;
    }
  }

  reportAttempts(reporter: AttemptReporter): void {
    this.client.onAttempt((report) => reporter(soapCallAttempt(report)));
  }

  close(): void {
    this.client.close();
  }
}
