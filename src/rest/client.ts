import type {
  StoredActivity,
  StoredCustomObject,
  StoredLead,
  StoredMembership,
  StoredMObject,
  StoredProgramStatus,
} from '../buffer/types.js';
import { assertNever } from '../vocabulary/assert-never.js';
import { sendActivities } from './activities.js';
import { sendCustomObjects } from './custom-objects.js';
import { sendListMembers } from './list-members.js';
import { sendProgramMembers } from './program-members.js';
import type { RestCalls } from './rest-calls.js';
import {
  type AttemptReporter,
  MarketoCallError,
  type CallOptions,
  type FoundId,
  type LeadGroup,
  type ObjectGroup,
  type RecordResult,
  type Transport,
  type TransportCall,
  type TransportGroup,
} from '../transport/contract.js';
import { restCallAttempt, type RestAttemptReport } from './call-attempt.js';
import { leadResults, objectResults, programResult, readEnvelope } from './answer.js';
import { FieldCatalog, type FieldCatalogOptions } from './describe.js';
import type { RestProblem } from './rest-problem.js';
import { RestHttp, type RestHttpOptions } from './http.js';
import { leadCallShape, restLead } from './leads.js';
import { REST_OBJECT_ROUTES, type RestDedupeBy, type RestObjectType } from './object-routes.js';
import { OBJECT_ACTIONS, restObject } from './objects.js';
import { lookUpIds } from './id-lookup.js';
import { readingAnswer, refused, settledBefore, tooLarge } from './client-results.js';
import { programForm, programPath } from './programs.js';
import { MAX_BODY_BYTES, planBodies } from './split.js';
import { Scrubber } from './scrub.js';
import { TokenManager, type TokenStats } from './token.js';
import type { RestValue } from './values.js';

/** How to reach one Marketo instance's REST API. */
export interface RestTransportOptions extends RestHttpOptions {
  /** The REST endpoint, e.g. `https://123-ABC-456.mktorest.com` (a trailing `/rest` is accepted). */
  endpoint: string;
  /** The Identity endpoint; default `<endpoint>/identity`. */
  identityEndpoint?: string;
  clientId: string;
  /** A secret: sent to the Identity service only; never logged, stored or put in an error. */
  clientSecret: string;
  /** The REST lead field holding ForeignSysPersonId; leads keyed by it fail without it. */
  foreignIdField?: string;
  /** Sync Leads' `partitionName`, for instances with lead partitions (upserts only). */
  partitionName?: string;
  /**
   * Largest request body; groups are cut into several requests below it.
   * @defaultValue 1000000 (Marketo refuses bodies over 1 MB)
   */
  maxBodyBytes?: number;
  /** Renew the token when less than this is left. @defaultValue 60000 */
  renewAheadMs?: number;
  /** Caching of Describe. */
  describe?: FieldCatalogOptions;
  /**
   * Awaited before each Describe request, which counts against Marketo's rate limit and daily quota
   * like any call: a worker takes a token of its shared rate limiter here. Not called for Identity
   * requests (they cost no quota) nor for the requests of `send()`, whose caller admitted them.
   */
  admitDescribe?: () => Promise<void>;
  /**
   * Awaited before each request of one `send()` after its first: a call whose records need several
   * bodies under 1 MB, or several programs. Marketo counts every such request against its rate limit
   * and daily quota, while the caller admitted only the call's first request, so a worker takes one
   * more token of its shared rate limiter here. Resolving `false` (the caller is stopping) leaves the
   * request unsent. Not called for the resend after a token renewal: Marketo does not count a request
   * it refused with 601 or 602, so the resend uses the admission of the request it replaces.
   */
  admitRequest?: () => Promise<boolean>;
  /**
   * Awaited before each lookup request of `findIds` (a read that counts against Marketo's rate limit
   * and daily quota like any call): a worker takes a token of its shared rate limiter here. Resolving
   * `false` (the worker is stopping) leaves the lookup unmade.
   */
  admitLookup?: () => Promise<boolean>;
}

export type { RestAttemptReport } from './call-attempt.js';

/** Sync Leads, Sync Opportunities, Roles and Companies: 300 records a call. Update Program: one program a call. */
export const REST_MAX_RECORDS = 300;

const USER_AGENT = 'mktsync';

/** `endpoint` without a trailing slash or `/rest`: the base that `/rest/v1/…` and `/identity` hang off. */
export function restBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/rest$/, '');
}

/**
 * The REST transport: one batch group in, one result per record out. Keys and field names are mapped
 * to REST's, a group is cut into requests under 1 MB, tokens are renewed inside, and every answer is
 * read by the code table in `codes.ts`.
 */
export class RestTransport implements Transport {
  readonly kind = 'rest' as const;
  // Sync Opportunity Roles dedupes by externalOpportunityId + leadId + role (createOnly: 1017).
  readonly keysRolesByFields = true;
  readonly #api: RestHttp;
  readonly #identity: RestHttp;
  readonly #tokens: TokenManager;
  /** Takes the client secret and the tokens out of every answer before it is read. */
  readonly #scrubber: Scrubber;
  readonly #catalog: FieldCatalog;
  readonly #foreignIdField: string | undefined;
  readonly #partitionName: string | undefined;
  readonly #maxBodyBytes: number;
  readonly #admitRequest: (() => Promise<boolean>) | undefined;
  readonly #admitLookup: (() => Promise<boolean>) | undefined;
  readonly #observers: ((report: RestAttemptReport) => void)[] = [];
  /** Per call (by its abort signal): once aborted, the call starts no further request. */
  readonly #stoppingOf = new WeakMap<AbortSignal, AbortSignal>();
  /** The endpoint, safe to show. */
  readonly endpoint: string;

  constructor(options: RestTransportOptions) {
    this.endpoint = restBase(options.endpoint);
    this.#api = new RestHttp(this.endpoint, options);
    const identity = new URL(options.identityEndpoint ?? `${this.endpoint}/identity`);
    const identityBase = identity.origin;
    this.#identity =
      identityBase === new URL(this.endpoint).origin ? this.#api : new RestHttp(identityBase, options);
    this.#scrubber = new Scrubber([options.clientSecret]);
    this.#tokens = new TokenManager(this.#identity, {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scrubber: this.#scrubber,
      // Without its own setting, the Identity URL is derived from the REST endpoint.
      setting:
        identity.href.replace(/\/+$/, '') === `${this.endpoint}/identity`
          ? 'MARKETO_REST_ENDPOINT or MARKETO_IDENTITY_ENDPOINT'
          : 'MARKETO_IDENTITY_ENDPOINT',
      tokenPath: `${identity.pathname.replace(/\/+$/, '')}/oauth/token`,
      ...(options.renewAheadMs !== undefined ? { renewAheadMs: options.renewAheadMs } : {}),
    });
    const admit = options.admitDescribe;
    this.#catalog = new FieldCatalog(async (path) => {
      if (admit) await admit();
      return this.#exchange('GET', path, undefined, 0);
    }, options.describe);
    this.#foreignIdField = options.foreignIdField;
    this.#partitionName = options.partitionName;
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.#admitRequest = options.admitRequest;
    this.#admitLookup = options.admitLookup;
  }

  /** Token requests and forced renewals so far. */
  get tokenStats(): Readonly<TokenStats> {
    return this.#tokens.stats;
  }

  /** Describe calls so far. */
  get describeCalls(): number {
    return this.#catalog.calls;
  }

  /** Calls `observer` after every REST request (Identity requests excluded). */
  onAttempt(observer: (report: RestAttemptReport) => void): void {
    this.#observers.push(observer);
  }

  reportAttempts(reporter: AttemptReporter): void {
    this.onAttempt((report) => reporter(restCallAttempt(report)));
  }

  maxRecords(group: TransportGroup): number {
    return group.kind === 'object' && group.type === 'Program' ? 1 : REST_MAX_RECORDS;
  }

  async send(call: TransportCall, options: CallOptions = {}): Promise<RecordResult[]> {
    if (call.records.length === 0) return [];
    if (options.stopping) {
      // The call's requests find its `stopping` signal through its abort signal (one per call).
      const signal = options.signal ?? new AbortController().signal;
      this.#stoppingOf.set(signal, options.stopping);
      options = { ...options, signal };
    }
    const signal = options.signal;
    // The records match the group's kind (TransportCall pairs them); one sender per kind.
    switch (call.group.kind) {
      case 'lead':
        return this.#sendLeads(call.group, call.records as readonly StoredLead[], signal);
      case 'object': {
        const group = call.group;
        const records = call.records as readonly StoredMObject[];
        if (group.type === 'Program') return this.#sendPrograms(records, signal);
        return this.#sendObjects(group, group.type, records, signal);
      }
      case 'activity':
        return sendActivities(this.#calls, call.group, call.records as readonly StoredActivity[], signal);
      case 'customObject':
        return sendCustomObjects(
          this.#calls,
          call.group,
          call.records as readonly StoredCustomObject[],
          signal,
        );
      case 'listMembership':
        return sendListMembers(this.#calls, call.group, call.records as readonly StoredMembership[], signal);
      case 'programStatus':
        return sendProgramMembers(
          this.#calls,
          call.group,
          call.records as readonly StoredProgramStatus[],
          signal,
        );
      default:
        return assertNever(call.group, 'group kind');
    }
  }

  /** The client's requests as the member groups' senders use them. */
  get #calls(): RestCalls {
    return {
      sendJson: (path, envelope, mapped, read, signal) =>
        this.#sendJson(path, envelope, mapped, read, signal),
      exchange: (method, path, body, records, signal, contentType) =>
        this.#exchange(method, path, body, records, signal, contentType),
      admitAnother: () => this.#admitAnother(),
      ...(this.#admitLookup ? { admitLookup: this.#admitLookup } : {}),
      maxBodyBytes: this.#maxBodyBytes,
    };
  }

  /**
   * The marketoGUIDs of opportunities and roles by their dedupe fields (see {@link lookUpIds}), one
   * rate token per request. A failed or refused lookup leaves the records' ids null with why.
   */
  async findIds(call: TransportCall, options: CallOptions = {}): Promise<FoundId[]> {
    return lookUpIds(
      call,
      {
        get: (path, signal) => this.#exchange('GET', path, undefined, 0, signal),
        ...(this.#admitLookup ? { admit: this.#admitLookup } : {}),
      },
      options.signal,
    );
  }

  close(): void {
    this.#api.close();
    if (this.#identity !== this.#api) this.#identity.close();
  }

  async #sendLeads(
    group: LeadGroup,
    leads: readonly StoredLead[],
    signal?: AbortSignal,
  ): Promise<RecordResult[]> {
    const names = new Set(leads.flatMap((l) => Object.keys(l.attributes)));
    const fields = await notSentIfFails(this.#catalog.tableFor('lead', names, signal));
    const options = this.#foreignIdField ? { foreignIdField: this.#foreignIdField } : {};
    const mapped = leads.map((lead) => restLead(lead, group, fields, options));
    const shape = leadCallShape(group, this.#foreignIdField);
    const envelope: Record<string, unknown> = { ...shape };
    if (this.#partitionName && shape.action !== 'createDuplicate')
      envelope.partitionName = this.#partitionName;
    return this.#sendJson('/rest/v1/leads.json', envelope, mapped, leadResults, signal);
  }

  async #sendObjects(
    group: ObjectGroup,
    type: RestObjectType,
    objects: readonly StoredMObject[],
    signal?: AbortSignal,
  ): Promise<RecordResult[]> {
    const names = new Set(objects.flatMap((o) => Object.keys(o.attributes ?? {})));
    const fields = await notSentIfFails(this.#catalog.tableFor(type, names, signal));
    const mapped = objects.map((o) => restObject(o, type, group.operation, fields));
    const route = REST_OBJECT_ROUTES[type];
    const action = OBJECT_ACTIONS[group.operation];
    // One dedupeBy per request: a batch naming some records by id (idField) and others by their
    // dedupe fields goes as one request per kind, dedupe fields first.
    const parts = new Map<RestDedupeBy, number[]>();
    objects.forEach((o, i) => {
      const by = route.dedupeBy?.(o) ?? 'dedupeFields';
      parts.set(by, [...(parts.get(by) ?? []), i]);
    });
    if (parts.size === 1) {
      const [dedupeBy] = parts.keys();
      return this.#sendJson(route.path, { action, dedupeBy }, mapped, objectResults, signal);
    }
    const results = new Array<RecordResult | undefined>(objects.length);
    let first = true;
    for (const dedupeBy of ['dedupeFields', 'idField'] as const) {
      const indexes = parts.get(dedupeBy) ?? [];
      try {
        if (!first) await this.#admitAnother();
        first = false;
        const part = await this.#sendJson(
          route.path,
          { action, dedupeBy },
          indexes.map((i) => mapped[i]!),
          objectResults,
          signal,
        );
        indexes.forEach((index, j) => (results[index] = part[j]));
      } catch (error) {
        // The records known so far, up to the first unknown one, are settled; any known after it are
        // updates (idField is updateOnly only), which the sender may send again without harm.
        if (!(error instanceof MarketoCallError)) throw error;
        // The part's own settled results are by its positions: moved to the batch's, then cut.
        error.settled.forEach((r, j) => (results[indexes[j]!] = r));
        const known = results.findIndex((r) => r === undefined);
        throw error.withSettled(results.slice(0, known === -1 ? results.length : known) as RecordResult[]);
      }
    }
    return results as RecordResult[];
  }

  /**
   * Sends mapped records as `{...envelope, input: [...]}` in as many requests as the size and count
   * limits need, in order; refused records get their FAILED result without being sent.
   */
  async #sendJson(
    path: string,
    envelope: Record<string, unknown>,
    mapped: readonly (
      { ok: true; record: Record<string, RestValue> } | { ok: false; problem: RestProblem }
    )[],
    read: (result: unknown[], expected: number) => RecordResult[],
    signal?: AbortSignal,
  ): Promise<RecordResult[]> {
    const results = new Array<RecordResult | undefined>(mapped.length);
    const sendable: number[] = [];
    const texts: string[] = [];
    mapped.forEach((m, i) => {
      if (!m.ok) results[i] = refused(m.problem);
      else {
        sendable.push(i);
        texts.push(JSON.stringify(m.record));
      }
    });
    const head = JSON.stringify({ ...envelope, input: [] });
    const plan = planBodies(
      texts.map((t) => Buffer.byteLength(t, 'utf8')),
      Buffer.byteLength(head, 'utf8'),
      this.#maxBodyBytes,
      REST_MAX_RECORDS,
    );
    for (const k of plan.tooLarge) results[sendable[k]!] = tooLarge(this.#maxBodyBytes);
    for (const [n, request] of plan.requests.entries()) {
      const indexes = request.map((k) => sendable[k]!);
      const body = `${head.slice(0, -2)}${request.map((k) => texts[k]).join(',')}]}`;
      let answer: RecordResult[];
      try {
        if (n > 0) await this.#admitAnother();
        const result = await this.#exchange('POST', path, body, indexes.length, signal, 'application/json');
        answer = readingAnswer(() => read(result, indexes.length));
      } catch (error) {
        throw settledBefore(error, results, indexes[0]!);
      }
      indexes.forEach((index, j) => {
        results[index] = answer[j]!;
      });
    }
    return results as RecordResult[];
  }

  async #sendPrograms(programs: readonly StoredMObject[], signal?: AbortSignal): Promise<RecordResult[]> {
    const results: RecordResult[] = [];
    let sent = 0;
    for (const program of programs) {
      const form = programForm(program);
      if (!form.ok) {
        results.push(refused(form.problem));
        continue;
      }
      if (Buffer.byteLength(form.body, 'utf8') > this.#maxBodyBytes) {
        results.push(tooLarge(this.#maxBodyBytes));
        continue;
      }
      try {
        if (sent++ > 0) await this.#admitAnother();
        const result = await this.#exchange(
          'POST',
          programPath(program.id!),
          form.body,
          1,
          signal,
          'application/x-www-form-urlencoded',
        );
        results.push(readingAnswer(() => programResult(result, program.id!)));
      } catch (error) {
        // One program per request: a request refused because of its program (e.g. 702 for an unknown
        // id, 709) is that program's failure, and the programs after it still go.
        if (
          error instanceof MarketoCallError &&
          error.category === 'invalid-record' &&
          error.applied !== 'indeterminate'
        ) {
          results.push({
            status: 'FAILED',
            id: String(program.id),
            code: error.code,
            category: 'invalid-record',
            message: error.message,
          });
          continue;
        }
        throw settledBefore(error, results, results.length);
      }
    }
    return results;
  }

  /** Admission of a call's second and later request (see `admitRequest`); not sent when refused. */
  async #admitAnother(): Promise<void> {
    if (!this.#admitRequest || (await this.#admitRequest())) return;
    throw new MarketoCallError('not sent: the caller is stopping', {
      category: 'transient',
      code: 'stopping',
      applied: 'not-sent',
    });
  }

  /**
   * One authenticated request and its `result`. A refused token (601/602) is renewed once and the
   * request sent again at once: Marketo did not execute it, and this costs the caller no attempt.
   */
  async #exchange(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    records: number,
    signal?: AbortSignal,
    contentType?: string,
  ): Promise<unknown[]> {
    let token = await this.#tokens.token(signal);
    for (let renewed = false; ; renewed = true) {
      if (signal?.aborted)
        throw new MarketoCallError('call abandoned before it was sent', {
          category: 'transient',
          code: 'aborted',
          applied: 'not-sent',
        });
      if (signal && this.#stoppingOf.get(signal)?.aborted)
        throw new MarketoCallError('not sent: the caller is stopping', {
          category: 'transient',
          code: 'stopping',
          applied: 'not-sent',
        });
      const started = performance.now();
      try {
        const headers: Record<string, string> = {
          Authorization: `Bearer ${token}`,
          'User-Agent': USER_AGENT,
        };
        if (contentType) headers['Content-Type'] = contentType;
        const answer = await this.#api.request({
          method,
          path,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(signal ? { signal } : {}),
        });
        // Scrubbed before it is read: every text taken from it (errors, reasons) is then clean.
        const result = readingAnswer(() =>
          readEnvelope({ ...answer, body: this.#scrubber.scrub(answer.body) }),
        );
        this.#report({ path, method, records, durationMs: performance.now() - started });
        return result;
      } catch (error) {
        if (error instanceof MarketoCallError)
          this.#report({ path, method, records, durationMs: performance.now() - started, error });
        if (error instanceof MarketoCallError && error.category === 're-auth' && !renewed) {
          token = await this.#tokens.renew(token, signal);
          continue;
        }
        throw error;
      }
    }
  }

  #report(report: RestAttemptReport): void {
    for (const observer of this.#observers) observer(report);
  }
}

/**
 * A Describe request that failed (whatever its own answer) means the records' request never left: it
 * cannot have applied them, so a create among them may be sent again.
 */
async function notSentIfFails<T>(describe: Promise<T>): Promise<T> {
  try {
    return await describe;
  } catch (error) {
    // A Describe refused outright says all there is; only doubt about the Describe itself is cleared.
    if (!(error instanceof MarketoCallError) || error.applied !== 'indeterminate') throw error;
    throw new MarketoCallError(
      `the records were not sent: Describe failed first (${error.message})`,
      { ...error.details(), category: 'transient', applied: 'not-sent' },
      { cause: error },
    );
  }
}
