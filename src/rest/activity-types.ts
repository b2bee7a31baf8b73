import { boundText } from '../transport/contract.js';

/**
 * The instance's custom activity types (Get Custom Activity Types), cached: an activity names its type
 * by API name or id, and is checked against the type's status, primary attribute and attributes before
 * it is sent. SW-MAPI's `CustomActivityType` carries `primaryAttribute` and `attributes`, so one request
 * describes every type (Adobe's page shows them only under Describe; both are read). A name the cache
 * does not know refreshes it, at most once a minute, for a type approved meanwhile.
 */

export interface ActivityTypeInfo {
  id: number;
  apiName: string;
  status: string;
  /** The primary attribute's API name, when the answer names it. */
  primary?: string;
  /** The secondary attributes' API names (and display names, which Add Custom Activities also takes). */
  attributes: ReadonlySet<string>;
}

/** Keeps at most this many types (Marketo allows 10 by default, more for a fee). */
const MAX_TYPES = 1_000;
const MAX_ATTRIBUTES = 100;

export class ActivityTypeCatalog {
  #types: ActivityTypeInfo[] | undefined;
  #at = 0;
  #pending: Promise<ActivityTypeInfo[]> | undefined;
  /** Requests made so far. */
  calls = 0;

  constructor(
    /** One Get Custom Activity Types request: its `result`. */
    private readonly fetchTypes: (signal?: AbortSignal) => Promise<unknown[]>,
    private readonly ttlMs = 600_000,
    private readonly missRefreshMs = 60_000,
  ) {}

  /** The type `ref` names (API name or id), reading the types when the cache is stale or misses. */
  async find(ref: string | number, signal?: AbortSignal): Promise<ActivityTypeInfo | undefined> {
    const now = Date.now();
    if (this.#types === undefined || now - this.#at > this.ttlMs) await this.#load(signal);
    let found = this.#lookup(ref);
    if (found === undefined && now - this.#at > this.missRefreshMs) {
      await this.#load(signal);
      found = this.#lookup(ref);
    }
    return found;
  }

  /** Forgets the types: the next find reads them again. */
  clear(): void {
    this.#types = undefined;
  }

  #lookup(ref: string | number): ActivityTypeInfo | undefined {
    return this.#types?.find((t) => (typeof ref === 'number' ? t.id === ref : t.apiName === ref));
  }

  async #load(signal?: AbortSignal): Promise<void> {
    // One request for concurrent callers.
    this.#pending ??= (async () => {
      this.calls++;
      return readTypes(await this.fetchTypes(signal));
    })();
    try {
      this.#types = await this.#pending;
      this.#at = Date.now();
    } finally {
      this.#pending = undefined;
    }
  }
}

function names(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Record<string, unknown>;
  return [o.apiName, o.name]
    .filter((n): n is string => typeof n === 'string' && n !== '')
    .map((n) => boundText(n));
}

/** The types of an answer, each value's type checked; malformed entries are left out. */
export function readTypes(result: readonly unknown[]): ActivityTypeInfo[] {
  const types: ActivityTypeInfo[] = [];
  for (const item of result.slice(0, MAX_TYPES)) {
    if (typeof item !== 'object' || item === null) continue;
    const o = item as Record<string, unknown>;
    if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id) || typeof o.apiName !== 'string') continue;
    const primary = names(o.primaryAttribute)[0];
    const attributes = Array.isArray(o.attributes)
      ? o.attributes.slice(0, MAX_ATTRIBUTES).flatMap(names)
      : [];
    types.push({
      id: o.id,
      apiName: boundText(o.apiName),
      status: typeof o.status === 'string' ? boundText(o.status) : 'unknown',
      ...(primary !== undefined ? { primary } : {}),
      attributes: new Set(attributes),
    });
  }
  return types;
}

/** Whether records of a type with this status are taken (its live version is approved). */
export function isApproved(status: string): boolean {
  return status === 'approved' || status === 'approved with draft';
}
