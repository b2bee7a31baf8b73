import type { LeadLedgerState } from '../transport/lead-ledger.js';
import type { LeadResolution, LeadResolverDeps, LeadResolving } from './lead-resolution.js';
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

export type { LeadPage, LeadResolution, LeadResolverDeps, LeadResolving } from './lead-resolution.js';

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

  async waiting(refs: readonly LeadRef[]): Promise<({ wait: string } | undefined)[]> {
    if (!this.deps.ledger || refs.length === 0) return refs.map(() => undefined);
    const states = await this.deps.ledger.states(refs);
    return states.map((state, i) =>
      state !== null && 'busy' in state ? { wait: waitText(leadRefText(refs[i]!)) } : undefined,
    );
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
        out[i] = { wait: waitText(text) };
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

function waitText(lead: string): string {
  return `waits for its lead ${lead}: a change of that lead is pending or being sent`;
}
