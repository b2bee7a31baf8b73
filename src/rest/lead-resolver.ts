import type { LeadLedger, LeadLedgerState } from '../transport/lead-ledger.js';
import { leadRefText, type LeadRef } from '../vocabulary/lead-refs.js';
import { LeadIdCache } from './lead-cache.js';
import { LeadLookups } from './lead-lookups.js';

/**
 * Resolves the leads that records name by reference (custom activities, list and program membership)
 * to Marketo ids: an `Id` as it is; a key (Email, ForeignSysPersonId) from the lead's own outcome when
 * mktsync synced it, else from a bounded cache, else by batched lookups (Get Leads by Filter Type, up to
 * 300 values a request, as a POST with `_method=GET` since 300 emails pass the 8 KB URL limit), each
 * request admitted by the worker's rate limiter. A lead with a change waiting or in flight answers
 * `wait`: the record is held back until the lead's outcome. A key Marketo does not know answers
 * `failed`, naming the key.
 */

/** What one reference resolved to: a lead id, a wait for the lead's change, or why it cannot be. */
export type LeadResolution = { id: number } | { wait: string } | { failed: string };

/** What a resolver calls: what resolves a batch's references, for every kind that names leads. */
export interface LeadResolving {
  /**
   * One resolution per reference, in order. `options.ignorePending`: a lead with a change on its way
   * is resolved all the same (a check of what was already sent needs its id, not its order).
   */
  resolve(
    refs: readonly LeadRef[],
    signal?: AbortSignal,
    options?: { ignorePending?: boolean },
  ): Promise<LeadResolution[]>;
}

/** One page of Get Leads by Filter Type. */
export interface LeadPage {
  result: unknown[];
  nextPageToken?: string;
}

export interface LeadResolverDeps {
  /** The buffer's knowledge of leads (the worker's); left out, nothing waits and nothing is read there. */
  ledger?: LeadLedger;
  /** One Get Leads by Filter Type request with this form body (the transport's authenticated POST). */
  query(form: string, signal?: AbortSignal): Promise<LeadPage>;
  /** Takes a rate token for one more request; false when the worker is stopping. */
  admit?: () => Promise<boolean>;
  /** The REST lead field holding ForeignSysPersonId (`MARKETO_REST_FOREIGN_ID_FIELD`). */
  foreignIdField?: string;
  cache?: LeadIdCache;
}

export class LeadResolver implements LeadResolving {
  readonly #cache: LeadIdCache;
  readonly #lookups: LeadLookups;

  constructor(private readonly deps: LeadResolverDeps) {
    this.#cache = deps.cache ?? new LeadIdCache();
    this.#lookups = new LeadLookups({ ...deps, cache: this.#cache });
  }

  /** Lookup requests made so far (for tests and the bench). */
  get lookups(): number {
    return this.#lookups.requests;
  }

  async resolve(
    refs: readonly LeadRef[],
    signal?: AbortSignal,
    options: { ignorePending?: boolean } = {},
  ): Promise<LeadResolution[]> {
    const out = new Array<LeadResolution | undefined>(refs.length);
    const keyed: number[] = [];
    refs.forEach((ref, i) => {
      if ('Id' in ref) out[i] = { id: ref.Id };
      else keyed.push(i);
    });
    if (keyed.length === 0) return out as LeadResolution[];
    const states: LeadLedgerState[] = this.deps.ledger
      ? await this.deps.ledger.states(keyed.map((i) => refs[i]!))
      : keyed.map(() => null);
    const toLookUp = new Map<string, number[]>();
    keyed.forEach((i, j) => {
      const ref = refs[i]!;
      const text = leadRefText(ref);
      const found = states[j] ?? null;
      const state = found !== null && 'busy' in found && options.ignorePending === true ? null : found;
      if (state !== null && 'busy' in state) {
        out[i] = { wait: `waits for its lead ${text}: a change of that lead is pending or being sent` };
        return;
      }
      if (state !== null) {
        this.#cache.set(text, state.id);
        out[i] = { id: state.id };
        return;
      }
      const cached = this.#cache.get(text);
      if (cached !== undefined) out[i] = { id: cached };
      else toLookUp.set(text, [...(toLookUp.get(text) ?? []), i]);
    });
    if (toLookUp.size > 0) {
      const found = await this.#lookups.lookUp([...toLookUp.keys()].map((t) => refs[toLookUp.get(t)![0]!]!));
      for (const [text, indexes] of toLookUp) for (const i of indexes) out[i] = found.get(text)!;
    }
    return out as LeadResolution[];
  }
}
