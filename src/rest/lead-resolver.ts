import type { LeadLedger, LeadLedgerState } from '../transport/lead-ledger.js';
import { boundText, MarketoCallError } from '../transport/contract.js';
import { leadRefKind, leadRefText, leadRefValue, type LeadRef } from '../vocabulary/lead-refs.js';
import { LeadIdCache } from './lead-cache.js';

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

/** Marketo's limit of values per filter; more than 1,000 matches is refused (1003). */
const MAX_VALUES = 300;
/** Pages followed per request at most (300 values with duplicates: a few pages). */
const MAX_PAGES = 10;

export class LeadResolver implements LeadResolving {
  readonly #cache: LeadIdCache;
  /** Requests made so far (for tests and the bench). */
  lookups = 0;

  constructor(private readonly deps: LeadResolverDeps) {
    this.#cache = deps.cache ?? new LeadIdCache();
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
      const found = await this.#lookUp(
        [...toLookUp.keys()].map((t) => refs[toLookUp.get(t)![0]!]!),
        signal,
      );
      for (const [text, indexes] of toLookUp) for (const i of indexes) out[i] = found.get(text)!;
    }
    return out as LeadResolution[];
  }

  /** Looks distinct references up in Marketo, by kind, 300 values a request. */
  async #lookUp(refs: readonly LeadRef[], signal?: AbortSignal): Promise<Map<string, LeadResolution>> {
    const found = new Map<string, LeadResolution>();
    const byField = new Map<string, LeadRef[]>();
    for (const ref of refs) {
      const text = leadRefText(ref);
      const field = leadRefKind(ref) === 'Email' ? 'email' : this.deps.foreignIdField;
      if (field === undefined) {
        found.set(text, {
          failed: `lead ${text}: REST has no ForeignSysPersonId; set MARKETO_REST_FOREIGN_ID_FIELD to the lead field that holds it`,
        });
        continue;
      }
      if (String(leadRefValue(ref)).includes(','))
        found.set(text, {
          failed: `lead ${text}: a key with a comma cannot be looked up (name the lead by Id)`,
        });
      else byField.set(field, [...(byField.get(field) ?? []), ref]);
    }
    for (const [field, list] of byField)
      for (let at = 0; at < list.length; at += MAX_VALUES) {
        const chunk = list.slice(at, at + MAX_VALUES);
        const answered = await this.#request(field, chunk, signal);
        this.#match(field, chunk, answered, found);
      }
    return found;
  }

  /** The leads one filter request answers (every page), or the error that ends the whole call. */
  async #request(field: string, chunk: readonly LeadRef[], signal?: AbortSignal): Promise<unknown[]> {
    const values = chunk.map((ref) => String(leadRefValue(ref)));
    const answered: unknown[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      if (this.deps.admit && !(await this.deps.admit()))
        throw new MarketoCallError('not sent: the worker is stopping', {
          category: 'transient',
          code: 'stopping',
          applied: 'not-sent',
        });
      const form = new URLSearchParams({
        filterType: field,
        filterValues: values.join(','),
        fields: `id,${field}`,
      });
      if (token !== undefined) form.set('nextPageToken', token);
      this.lookups++;
      let answer: LeadPage;
      try {
        answer = await this.deps.query(form.toString(), signal);
      } catch (error) {
        if (!(error instanceof MarketoCallError)) throw error;
        // A lookup is a read: whatever became of it, the records it was for were not sent.
        throw new MarketoCallError(
          `the records were not sent: looking their leads up failed first (${boundText(error.message)})`,
          {
            ...error.details(),
            category: error.category === 'indeterminate' ? 'transient' : error.category,
            applied: 'not-sent',
          },
          { cause: error },
        );
      }
      answered.push(...answer.result);
      if (answer.nextPageToken === undefined || answer.result.length === 0) return answered;
      token = answer.nextPageToken;
    }
    return answered;
  }

  #match(
    field: string,
    chunk: readonly LeadRef[],
    answered: readonly unknown[],
    found: Map<string, LeadResolution>,
  ): void {
    const byValue = new Map<string, Set<number>>();
    for (const item of answered) {
      if (typeof item !== 'object' || item === null) continue;
      const r = item as Record<string, unknown>;
      const id = r.id;
      const value = r[field];
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) continue;
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const key = field === 'email' ? String(value).toLowerCase() : String(value);
      byValue.set(key, (byValue.get(key) ?? new Set()).add(id));
    }
    for (const ref of chunk) {
      const text = leadRefText(ref);
      const value = String(leadRefValue(ref));
      const ids = [...(byValue.get(field === 'email' ? value.toLowerCase() : value) ?? [])];
      if (ids.length === 1) {
        this.#cache.set(text, ids[0]!);
        found.set(text, { id: ids[0]! });
      } else if (ids.length === 0) found.set(text, { failed: `Marketo has no lead ${text}` });
      else
        found.set(text, {
          failed: `${ids.length} leads in Marketo match ${text} (ids ${ids.slice(0, 5).join(', ')}): name the lead by Id`,
        });
    }
  }
}
