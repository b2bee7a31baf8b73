import type { StoredCustomObject } from '../buffer/types.js';
import { MarketoCallError, type RecordResult } from '../transport/contract.js';
import type { CustomObjectGroup } from '../vocabulary/member-groups.js';
import { abortable } from './abortable.js';
import { objectResults } from './answer.js';
import {
  customObjectRequest,
  customObjectSchema,
  type CustomObjectKeyMode,
  type CustomObjectRequest,
  type CustomObjectSchema,
} from './custom-object-rules.js';
import { stopOnReadOnly } from './read-only.js';

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

/** What the REST client lends the sender: its authenticated requests, under its limits. */
export interface CustomObjectIo {
  /** One authenticated GET (a Describe), admitted by the caller's limiter; its `result`. */
  describe(path: string, signal?: AbortSignal): Promise<unknown[]>;
  /** Posts `{...envelope, input}` in as many requests as the size limits need; refused records are not sent. */
  sendJson(
    path: string,
    envelope: Record<string, unknown>,
    mapped: readonly CustomObjectRequest[],
    read: (result: unknown[], expected: number) => RecordResult[],
    signal?: AbortSignal,
  ): Promise<RecordResult[]>;
  /** Admission of a call's second request (see the client's `admitRequest`); throws when refused. */
  admitAnother(): Promise<void>;
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
    describe: CustomObjectIo['describe'],
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

  #load(
    apiName: string,
    describe: CustomObjectIo['describe'],
    signal?: AbortSignal,
  ): Promise<CustomObjectSchema> {
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

/** Sends one custom object group: one result per record, in order. */
export async function sendCustomObjects(
  group: CustomObjectGroup,
  records: readonly StoredCustomObject[],
  io: CustomObjectIo,
  schemas: CustomObjectSchemas,
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  if (records.length === 0) return [];
  const names = new Set(records.flatMap((r) => Object.keys(r.attributes)));
  const schema = await schemas.schemaFor(group.apiName, names, io.describe, signal);
  const mapped = records.map((r) => customObjectRequest(r, group.operation, schema));
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
  const results = new Array<RecordResult | undefined>(records.length);
  let first = true;
  for (const by of ['dedupeFields', 'idField'] as const) {
    const indexes = parts.get(by);
    if (!indexes) continue;
    try {
      if (!first) await io.admitAnother();
      first = false;
      const part = await io.sendJson(
        path,
        envelope(by),
        indexes.map((i) => mapped[i]!),
        customObjectResults,
        signal,
      );
      indexes.forEach((index, j) => (results[index] = part[j]));
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      error.settled.forEach((r, j) => (results[indexes[j]!] = r));
      const known = results.findIndex((r) => r === undefined);
      throw error.withSettled(results.slice(0, known === -1 ? results.length : known) as RecordResult[]);
    }
  }
  return stopOnReadOnly(results as RecordResult[], `custom object ${group.apiName}`);
}
