import { abortable } from './abortable.js';
import { asObject } from './json.js';
import { REST_OBJECT_ROUTES, type RestObjectType } from './object-routes.js';

/**
 * The instance's field names, from Describe: the change formats use Marketo's SOAP names (`FirstName`),
 * REST wants its own (`firstName`). Cached; refreshed after `ttlMs`, and early (at most every
 * `refreshMinMs`) when a name is not found, since an admin may just have added a field.
 */

/** One field as REST knows it. */
export interface RestField {
  /** The REST API name, e.g. `firstName`. */
  name: string;
  /** Describe's `dataType`: string, integer, float, currency, boolean, date, datetime, email, … */
  dataType: string;
  /** Whether the API may not write it. */
  readOnly: boolean;
}

/** Field lookup of one object kind. */
export class FieldTable {
  readonly #exact = new Map<string, RestField>();
  readonly #folded = new Map<string, RestField>();

  constructor(entries: readonly { names: readonly string[]; field: RestField }[]) {
    // SOAP names first, then REST names: a SOAP name wins when both spell the same text.
    for (const { names, field } of entries)
      for (const n of names) {
        if (!this.#exact.has(n)) this.#exact.set(n, field);
        const folded = n.toLowerCase();
        if (!this.#folded.has(folded)) this.#folded.set(folded, field);
      }
  }

  /** The field a change names (SOAP or REST name, exact or ignoring case), or undefined. */
  find(name: string): RestField | undefined {
    return this.#exact.get(name) ?? this.#folded.get(name.toLowerCase());
  }

  get size(): number {
    return this.#exact.size;
  }
}

/** Reads Describe Leads' `result`: `{rest: {name, readOnly}, soap: {name, readOnly}, dataType}`. */
export function leadFieldTable(result: readonly unknown[]): FieldTable {
  const entries: { names: string[]; field: RestField }[] = [];
  for (const item of result) {
    const o = asObject(item);
    const rest = asObject(o?.rest);
    if (!o || !rest || typeof rest.name !== 'string' || rest.name === '') continue;
    const soap = asObject(o.soap);
    const field: RestField = {
      name: rest.name,
      dataType: typeof o.dataType === 'string' ? o.dataType : 'string',
      readOnly: rest.readOnly === true,
    };
    const names = [typeof soap?.name === 'string' ? soap.name : undefined, rest.name].filter(
      (n): n is string => n !== undefined && n !== '',
    );
    entries.push({ names, field });
  }
  return new FieldTable(entries);
}

/** Reads Describe Opportunities / Roles / Companies: `result[0].fields[]` of `{name, dataType, updateable}`. */
export function objectFieldTable(result: readonly unknown[]): FieldTable {
  const fields = asObject(result[0])?.fields;
  const entries: { names: string[]; field: RestField }[] = [];
  for (const item of Array.isArray(fields) ? fields : []) {
    const o = asObject(item);
    if (!o || typeof o.name !== 'string' || o.name === '') continue;
    entries.push({
      names: [o.name],
      field: {
        name: o.name,
        dataType: typeof o.dataType === 'string' ? o.dataType : 'string',
        readOnly: o.updateable === false,
      },
    });
  }
  return new FieldTable(entries);
}

/** The Describe endpoint of each object kind. */
export const DESCRIBE_PATHS: Readonly<Record<DescribedKind, string>> = {
  lead: '/rest/v1/leads/describe.json',
  ...(Object.fromEntries(
    Object.entries(REST_OBJECT_ROUTES).map(([type, route]) => [type, route.describePath]),
  ) as Record<RestObjectType, string>),
};
/** Leads, or an object type of {@link REST_OBJECT_ROUTES}. */
export type DescribedKind = 'lead' | RestObjectType;

/** Options of the {@link FieldCatalog}. */
export interface FieldCatalogOptions {
  /**
   * How long a Describe answer is used (Adobe: cache metadata, it rarely changes).
   * @defaultValue 3600000 (1 h)
   */
  ttlMs?: number;
  /**
   * Shortest time between two Describe calls of one kind forced by an unknown name.
   * @defaultValue 300000 (5 min)
   */
  refreshMinMs?: number;
  now?: () => number;
}

/** Cached Describe tables; `describe` performs the authenticated GET and returns `result`. */
export class FieldCatalog {
  readonly #describe: (path: string) => Promise<unknown[]>;
  readonly #ttlMs: number;
  readonly #refreshMinMs: number;
  readonly #now: () => number;
  readonly #tables = new Map<DescribedKind, { table: FieldTable; at: number }>();
  readonly #inflight = new Map<DescribedKind, Promise<FieldTable>>();
  /** Describe calls made, for metrics and tests. */
  calls = 0;

  constructor(describe: (path: string) => Promise<unknown[]>, options: FieldCatalogOptions = {}) {
    this.#describe = describe;
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#refreshMinMs = options.refreshMinMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /** The table of `kind`, from cache while fresh. */
  async table(kind: DescribedKind, signal?: AbortSignal): Promise<FieldTable> {
    const cached = this.#tables.get(kind);
    if (cached && this.#now() - cached.at < this.#ttlMs) return cached.table;
    return this.#load(kind, signal);
  }

  /**
   * The table of `kind` in which every one of `names` is looked up; when some are missing and the
   * table is older than `refreshMinMs`, it is read again once.
   */
  async tableFor(kind: DescribedKind, names: Iterable<string>, signal?: AbortSignal): Promise<FieldTable> {
    const table = await this.table(kind, signal);
    const missing = [...names].some((n) => table.find(n) === undefined);
    const at = this.#tables.get(kind)?.at ?? 0;
    if (!missing || this.#now() - at < this.#refreshMinMs) return table;
    return this.#load(kind, signal);
  }

  // One Describe request serves every waiting caller; one caller giving up must not end it for the others.
  #load(kind: DescribedKind, signal?: AbortSignal): Promise<FieldTable> {
    let pending = this.#inflight.get(kind);
    if (!pending) {
      pending = (async () => {
        this.calls++;
        const result = await this.#describe(DESCRIBE_PATHS[kind]);
        const table = kind === 'lead' ? leadFieldTable(result) : objectFieldTable(result);
        this.#tables.set(kind, { table, at: this.#now() });
        return table;
      })().finally(() => this.#inflight.delete(kind));
      this.#inflight.set(kind, pending);
    }
    return abortable(pending, signal, `Describe (${kind})`);
  }
}
