/**
 * The console's Redis keys, under the deployment's `{prefix}` hash tag beside the buffer's (so the
 * settle script writes them atomically with each outcome). Every per-record index is bounded by the
 * time index `console:t` (retention and count, see `src/buffer/console-index-lua.ts`).
 */
export interface ConsoleKeys {
  /** Hash: the index settings the settle script reads (`retention` seconds, `max` records). */
  readonly cfg: string;
  /** Sorted set record key → time of its latest outcome: every indexed record, the bound of the rest. */
  readonly time: string;
  /** Hash record key → its facets (`status\ncode\nfield\nid`), so an evicted record leaves every index. */
  readonly facets: string;
  /** Sorted set per outcome status: record key → time. */
  status(status: string): string;
  /** Sorted set per Marketo error code: record key → time. */
  code(code: string): string;
  /** Sorted set per refused field: record key → time. */
  field(field: string): string;
  /** Hash Marketo id → record key. */
  readonly ids: string;
  /** Hash per minute (epoch minute): outcome status → count; expires after a day. */
  minute(epochMinute: number): string;
  /** Sorted sets of dead letters by facet (`s:STATUS`, `c:CODE`, `d:FIELD`), intersected with the DLQ. */
  dlqFacet(facet: string): string;
  /** Set of the dead-letter facets ever written (pruned when the console finds one empty). */
  readonly dlqFacetNames: string;
  /** Hash record key → the latest operator resolution (JSON). */
  readonly resolutions: string;
  /** List of operator actions (JSON, newest first), capped. */
  readonly audit: string;
}

/** The console keys under `base` (the buffer's `{prefix}`). */
export function consoleKeys(base: string): ConsoleKeys {
  const c = `${base}:console`;
  return {
    cfg: `${c}:cfg`,
    time: `${c}:t`,
    facets: `${c}:f`,
    status: (s) => `${c}:s:${s}`,
    code: (code) => `${c}:c:${code}`,
    field: (f) => `${c}:d:${f}`,
    ids: `${c}:id`,
    minute: (m) => `${c}:m:${m}`,
    dlqFacet: (f) => `${c}:dlq:${f}`,
    dlqFacetNames: `${c}:dlq:names`,
    resolutions: `${c}:res`,
    audit: `${c}:audit`,
  };
}

/** Operator actions kept in the audit list. */
export const AUDIT_MAX = 10_000;
