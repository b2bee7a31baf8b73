import type { StoredCustomObject } from '../buffer/types.js';
import { boundText, MarketoCallError, type RecordResult } from '../transport/contract.js';
import { leadRefText } from '../vocabulary/lead-refs.js';
import type { CustomObjectGroup } from '../transport/contract.js';
import { abortable } from './abortable.js';
import { notSentIfFails } from './client-results.js';
import { objectResults } from './answer.js';
import {
  customObjectRequest,
  customObjectSchema,
  type CustomObjectKeyMode,
  type CustomObjectSchema,
} from './custom-object-rules.js';
import { stopOnReadOnly } from './read-only.js';
import type { RestCalls } from './rest-calls.js';
import { sendInParts } from './key-mode-parts.js';
import type { LeadResolution } from './lead-resolution.js';

/**
 * Sending one custom object group (`C:<apiName>:<operation>`): INSERT, UPDATE and UPSERT go to Sync
 * Custom Objects (`POST /rest/v1/customobjects/{apiName}.json`) as createOnly, updateOnly and
 * createOrUpdate; DELETE goes to Delete Custom Objects (`…/{apiName}/delete.json`). Each record is
 * checked against the type's Describe first (cached per type), so an unknown field fails that record
 * alone, naming it; a type that native CRM sync makes read-only (1018) stops the group (read-only.ts).
 */

/** Sync Custom Objects' `action` per operation; DELETE has its own endpoint. */
export const CUSTOM_OBJECT_ACTIONS = {
  INSERT: 'createOnly',
  UPDATE: 'updateOnly',
  UPSERT: 'createOrUpdate',
} as const;

/** One Describe request: a read under the shared rate limits (`admitLookup`), not part of the call. */
export type DescribeRequest = (path: string, signal?: AbortSignal) => Promise<unknown[]>;

/**
 * A Describe through the client's requests. A Describe refused admission or failed in doubt means the
 * records' request never left: the records were not sent, so a create among them may go again.
 */
function describeWith(calls: RestCalls): DescribeRequest {
  return async (path, signal) => {
    if (calls.admitLookup && !(await calls.admitLookup()))
      throw new MarketoCallError('not sent: the caller is stopping (before Describe)', {
        category: 'transient',
        code: 'stopping',
        applied: 'not-sent',
      });
    return notSentIfFails(calls.exchange('GET', path, undefined, 0, signal));
  };
}

/** The paths of one type. */
export function customObjectPaths(apiName: string): { sync: string; delete: string; describe: string } {
  const base = `/rest/v1/customobjects/${encodeURIComponent(apiName)}`;
  return { sync: `${base}.json`, delete: `${base}/delete.json`, describe: `${base}/describe.json` };
}

/** Options of {@link CustomObjectSchemas}. */
export interface CustomObjectSchemaOptions {
  /** How long a Describe is used. @defaultValue 3600000 (1 h) */
  ttlMs?: number;
  /** Shortest time between two Describes of a type forced by an unknown field. @defaultValue 300000 */
  refreshMinMs?: number;
  /** Types kept at once (the oldest read is dropped first). @defaultValue 100 */
  maxTypes?: number;
  now?: () => number;
}

/**
 * Describe Custom Object per type, cached and bounded: a type's schema is read once an hour, and again
 * (at most every `refreshMinMs`) when a change names a field it lacks, since an admin may just have
 * added it. One request serves every concurrent caller.
 */
export class CustomObjectSchemas {
  readonly #ttlMs: number;
  readonly #refreshMinMs: number;
  readonly #maxTypes: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { schema: CustomObjectSchema; at: number }>();
  readonly #inflight = new Map<string, Promise<CustomObjectSchema>>();
  /** Describe requests made. */
  calls = 0;

  constructor(options: CustomObjectSchemaOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#refreshMinMs = options.refreshMinMs ?? 300_000;
    this.#maxTypes = options.maxTypes ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /** The schema of `apiName` in which each of `names` is looked up (read again once when some lack). */
  async schemaFor(
    apiName: string,
    names: Iterable<string>,
    describe: DescribeRequest,
    signal?: AbortSignal,
  ): Promise<CustomObjectSchema> {
    const cached = this.#cache.get(apiName);
    const now = this.#now();
    if (cached && now - cached.at < this.#ttlMs) {
      const missing = [...names].some((n) => cached.schema.fields.find(n) === undefined);
      if (!missing || now - cached.at < this.#refreshMinMs) return cached.schema;
    }
    return this.#load(apiName, describe, signal);
  }

  #load(apiName: string, describe: DescribeRequest, signal?: AbortSignal): Promise<CustomObjectSchema> {
    let pending = this.#inflight.get(apiName);
    if (!pending) {
      pending = (async () => {
        this.calls++;
        const schema = customObjectSchema(apiName, await describe(customObjectPaths(apiName).describe));
        this.#cache.delete(apiName);
        if (this.#cache.size >= this.#maxTypes) this.#cache.delete(this.#cache.keys().next().value!);
        this.#cache.set(apiName, { schema, at: this.#now() });
        return schema;
      })().finally(() => this.#inflight.delete(apiName));
      this.#inflight.set(apiName, pending);
    }
    return abortable(pending, signal, `Describe (${apiName})`);
  }
}

/**
 * Sync and Delete answer `{seq, marketoGUID, status}`; Delete's `deleted` is read as UPDATED with
 * Marketo's word in the message (there is no DELETED outcome), a miss as Marketo's 1013 (SKIPPED).
 */
export function customObjectResults(result: unknown[], expected: number): RecordResult[] {
  const deleted = new Set<number>();
  const read = result.map((entry) => {
    const o = entry as { status?: unknown; seq?: unknown } | null;
    if (o && typeof o === 'object' && o.status === 'deleted') {
      if (typeof o.seq === 'number') deleted.add(o.seq);
      return { ...o, status: 'updated' };
    }
    return entry;
  });
  return objectResults(read, expected).map((r, seq) =>
    deleted.has(seq) && r.status === 'UPDATED' ? { ...r, message: 'deleted' } : r,
  );
}

/** Sends one custom object group: one result per record, in order; `schemas`: the client's cache. */
export async function sendCustomObjects(
  calls: RestCalls,
  group: CustomObjectGroup,
  records: readonly StoredCustomObject[],
  signal?: AbortSignal,
  schemas: CustomObjectSchemas = new CustomObjectSchemas(),
): Promise<RecordResult[]> {
  if (records.length === 0) return [];
  const names = new Set(records.flatMap((r) => Object.keys(r.attributes)));
  const schema = await schemas.schemaFor(group.apiName, names, describeWith(calls), signal);
  const leads = await resolveLeads(calls, records, schema, signal);
  const mapped = records.map((r, i) => {
    const lead = leads[i];
    if (lead === undefined) return customObjectRequest(r, group.operation, schema);
    if ('id' in lead) return customObjectRequest({ ...r, lead: { Id: lead.id } }, group.operation, schema);
    // Not sent: its result is set below (a lead on its way, or one Marketo does not know).
    return {
      ok: false as const,
      problem: { field: 'lead', reason: 'failed' in lead ? lead.failed : lead.wait },
    };
  });
  const paths = customObjectPaths(group.apiName);
  const path = group.operation === 'DELETE' ? paths.delete : paths.sync;
  const envelope = (by: CustomObjectKeyMode): Record<string, unknown> =>
    group.operation === 'DELETE'
      ? { deleteBy: by }
      : { action: CUSTOM_OBJECT_ACTIONS[group.operation], dedupeBy: by };
  // One dedupeBy per request: records named by marketoGUID and by dedupe fields go as two requests.
  const parts = new Map<CustomObjectKeyMode, number[]>();
  mapped.forEach((m, i) => {
    const by = m.ok ? m.by : 'dedupeFields';
    parts.set(by, [...(parts.get(by) ?? []), i]);
  });
  const results = await sendInParts(calls, parts, records.length, (by, indexes) =>
    calls.sendJson(
      path,
      envelope(by),
      indexes.map((i) => mapped[i]!),
      customObjectResults,
      signal,
    ),
  );
  leads.forEach((lead, i) => {
    // A record whose lead has a change waiting or in flight waits for that lead's outcome: the batch
    // puts it back without an attempt burnt (`waitsFor`).
    if (lead !== undefined && 'wait' in lead)
      results[i] = Object.assign(
        {
          status: 'FAILED' as const,
          id: null,
          code: null,
          category: 'transient' as const,
          message: boundText(lead.wait),
        },
        { waitsFor: leadRefText(records[i]!.lead!) },
      );
  });
  return stopOnReadOnly(results as RecordResult[], `custom object ${group.apiName}`);
}

/**
 * Per record, what its lead resolved to, where the change names the lead by a key (Email,
 * ForeignSysPersonId): for a type whose link holds the lead's id, the id (or a wait, or why not); for a
 * type linked by the key itself, only a wait while a change of that lead is on its way (Marketo answers
 * 1004 for a lead it does not have yet). Undefined for the others (sent as they are, or refused by the
 * rules naming `lead.<key>` when no resolver is lent).
 */
async function resolveLeads(
  calls: RestCalls,
  records: readonly StoredCustomObject[],
  schema: CustomObjectSchema,
  signal?: AbortSignal,
): Promise<(LeadResolution | undefined)[]> {
  const resolver = calls.leads;
  const out = new Array<LeadResolution | undefined>(records.length);
  const link = schema.leadLink?.leadField.toLowerCase();
  if (!resolver || link === undefined) return out;
  const wanted = records.flatMap((r, i) => (r.lead !== undefined && !('Id' in r.lead) ? [i] : []));
  if (wanted.length === 0) return out;
  const refs = wanted.map((i) => records[i]!.lead!);
  const resolved: (LeadResolution | undefined)[] =
    link === 'id'
      ? await resolver.resolve(refs, signal)
      : resolver.waiting
        ? await resolver.waiting(refs)
        : [];
  wanted.forEach((index, j) => (out[index] = resolved[j]));
  return out;
}
