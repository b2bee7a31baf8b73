import { setImmediate as nextTurn } from 'node:timers/promises';
import { boundText, MarketoCallError } from '../transport/contract.js';
import { leadRefKind, leadRefText, leadRefValue, type LeadRef } from '../vocabulary/lead-refs.js';
import type { LeadIdCache } from './lead-cache.js';
import type { LeadPage, LeadResolution, LeadResolverDeps } from './lead-resolution.js';

/**
 * The lookups of leads by key (Get Leads by Filter Type as a POST with `_method=GET`), batched across
 * the batches being sent at once: keys asked for while a round is on its way wait for the next round,
 * which takes them all, 300 values a request, and fills its last request with the keys of leads that
 * records still waiting will name (the ledger's look ahead). So a stream of records naming thousands
 * of leads costs about one lookup per 300 leads, not one per batch. Found ids go to the cache.
 */

/** Marketo's limit of values per filter; more than 1,000 matches is refused (1003). */
const MAX_VALUES = 300;
/** Records read ahead to fill a lookup (their leads' keys). */
const LOOK_AHEAD = 10_000;
/** Pages followed per request at most (300 values with duplicates: a few pages). */
const MAX_PAGES = 10;

type Waiter = { resolve: (r: LeadResolution) => void; reject: (e: unknown) => void };

export class LeadLookups {
  /** Keys waiting for the next round, by reference text. */
  readonly #queue = new Map<string, { ref: LeadRef; waiters: Waiter[] }>();
  #running = false;
  /** Requests made so far. */
  requests = 0;

  constructor(private readonly deps: Omit<LeadResolverDeps, 'cache'> & { cache: LeadIdCache }) {}

  /** What each reference resolves to, by its text; rejects when its round's request failed. */
  async lookUp(refs: readonly LeadRef[]): Promise<Map<string, LeadResolution>> {
    const pending = refs.map((ref) => {
      const text = leadRefText(ref);
      return new Promise<[string, LeadResolution]>((resolve, reject) => {
        const entry = this.#queue.get(text) ?? { ref, waiters: [] };
        entry.waiters.push({ resolve: (r) => resolve([text, r]), reject });
        this.#queue.set(text, entry);
      });
    });
    void this.#pump();
    return new Map(await Promise.all(pending));
  }

  /** Runs rounds while keys wait; one at a time. */
  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      // Batches claimed together ask within a turn of each other: one round takes them all.
      await nextTurn();
      while (this.#queue.size > 0) {
        const round = new Map(this.#queue);
        this.#queue.clear();
        // Keys the round before found (asked for while it ran, or taken along as look ahead).
        for (const [text, entry] of round) {
          const id = this.deps.cache.get(text);
          if (id === undefined) continue;
          for (const w of entry.waiters) w.resolve({ id });
          round.delete(text);
        }
        if (round.size === 0) continue;
        try {
          const found = await this.#round([...round.values()].map((e) => e.ref));
          for (const [text, entry] of round) {
            const r = found.get(text) ?? { failed: `lead ${text}: not looked up` };
            for (const w of entry.waiters) w.resolve(r);
          }
        } catch (error) {
          for (const entry of round.values()) for (const w of entry.waiters) w.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** One round: the queued references, by kind, 300 values a request, the last filled from ahead. */
  async #round(refs: readonly LeadRef[]): Promise<Map<string, LeadResolution>> {
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
    await this.#fillAhead(byField, found);
    for (const [field, list] of byField)
      for (let at = 0; at < list.length; at += MAX_VALUES) {
        const chunk = list.slice(at, at + MAX_VALUES);
        const answered = await this.#request(field, chunk);
        this.#match(field, chunk, answered, found);
      }
    return found;
  }

  /**
   * Fills the last request of each field up to 300 values with the keys of leads that records still
   * waiting will name (the ledger's look ahead): neither cached, nor known to the buffer, nor on their
   * way. What they resolve to is cached, so that later batches need no lookup of their own.
   */
  async #fillAhead(byField: Map<string, LeadRef[]>, taken: ReadonlyMap<string, unknown>): Promise<void> {
    const room = [...byField.values()].some((list) => list.length % MAX_VALUES !== 0);
    const ledger = this.deps.ledger;
    if (!room || !ledger?.upcoming) return;
    const seen = new Set<string>(taken.keys());
    for (const list of byField.values()) for (const ref of list) seen.add(leadRefText(ref));
    const candidates: LeadRef[] = [];
    for (const ref of await ledger.upcoming(LOOK_AHEAD)) {
      const text = leadRefText(ref);
      if ('Id' in ref || seen.has(text) || this.deps.cache.get(text) !== undefined) continue;
      seen.add(text);
      candidates.push(ref);
    }
    if (candidates.length === 0) return;
    const states = await ledger.states(candidates);
    candidates.forEach((ref, i) => {
      if (states[i] !== null) return;
      const field = leadRefKind(ref) === 'Email' ? 'email' : this.deps.foreignIdField;
      const list = field === undefined ? undefined : byField.get(field);
      if (list === undefined || list.length % MAX_VALUES === 0) return;
      if (String(leadRefValue(ref)).includes(',')) return;
      list.push(ref);
    });
  }

  /** The leads one filter request answers (every page), or the error that ends the whole call. */
  async #request(field: string, chunk: readonly LeadRef[]): Promise<unknown[]> {
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
      this.requests++;
      let answer: LeadPage;
      try {
        answer = await this.deps.query(form.toString());
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
        this.deps.cache.set(text, ids[0]!);
        found.set(text, { id: ids[0]! });
      } else if (ids.length === 0) found.set(text, { failed: `Marketo has no lead ${text}` });
      else
        found.set(text, {
          failed: `${ids.length} leads in Marketo match ${text} (ids ${ids.slice(0, 5).join(', ')}): name the lead by Id`,
        });
    }
  }
}
