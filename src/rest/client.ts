import type {
  StoredActivity,
  StoredCustomObject,
  StoredLead,
  StoredMembership,
  StoredMObject,
  StoredProgramStatus,
} from '../buffer/types.js';
import { assertNever } from '../vocabulary/assert-never.js';
import { findActivities, sendActivities } from './activities.js';
import { CustomObjectSchemas, sendCustomObjects } from './custom-objects.js';
import { sendListMembers } from './list-members.js';
import { sendProgramMembers } from './program-members.js';
import { StepsKeeper } from './program-steps.js';
import { nextPageToken, readListMembers, type ListMember } from './list-read.js';
import type { RestCalls } from './rest-calls.js';
import {
  type AttemptReporter,
  MarketoCallError,
  type CallOptions,
  type FoundId,
  type LeadGroup,
  type RecordResult,
  type Transport,
  type TransportCall,
  type TransportGroup,
} from '../transport/contract.js';
import { restCallAttempt, type RestAttemptReport } from './call-attempt.js';
import { leadResults, readEnvelope, readEnvelopeBody } from './answer.js';
import { FieldCatalog, type FieldCatalogOptions } from './describe.js';
import { RestHttp, type RestAnswer, type RestHttpOptions } from './http.js';
import type { LeadLedger } from '../transport/lead-ledger.js';
import { LeadResolver, type LeadPage, type LeadResolving } from './lead-resolver.js';
import { leadCallShape, restLead } from './leads.js';
import { lookUpIds } from './id-lookup.js';
import { notSentIfFails, readingAnswer } from './client-results.js';
import { REST_MAX_RECORDS, sendJsonBodies, type JsonSender } from './json-bodies.js';
import { sendObjects } from './object-send.js';
import { sendPrograms } from './program-send.js';
import { MAX_BODY_BYTES } from './split.js';
import { Scrubber } from './scrub.js';
import { stopOnReadOnly } from './read-only.js';
import { TokenManager, type TokenStats } from './token.js';

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
  /**
   * Keeps a program's channel steps for the buffer's merge (the worker writes them to Redis); called
   * when they were read afresh (see `program-steps.ts`).
   */
  onProgramSteps?: (programId: number, steps: Readonly<Record<string, number>>) => Promise<void>;
  /**
   * What the buffer knows of leads named by reference (the worker's): their ids from their outcomes,
   * and whether a change of them waits. Without it, references are looked up in Marketo.
   */
  leads?: LeadLedger;
}

export type { RestAttemptReport } from './call-attempt.js';

export { REST_MAX_RECORDS } from './json-bodies.js';

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
  /** Describe Custom Object per type (custom-objects.ts), cached and bounded like the catalog. */
  readonly #customObjectSchemas: CustomObjectSchemas;
  readonly #foreignIdField: string | undefined;
  readonly #partitionName: string | undefined;
  readonly #maxBodyBytes: number;
  readonly #admitRequest: (() => Promise<boolean>) | undefined;
  readonly #admitLookup: (() => Promise<boolean>) | undefined;
  /** Channel steps of programs, read for the merge of program member status; null without a keeper. */
  readonly #programSteps: StepsKeeper | null;
  readonly #observers: ((report: RestAttemptReport) => void)[] = [];
  /** Per call (by its abort signal): once aborted, the call starts no further request. */
  readonly #stoppingOf = new WeakMap<AbortSignal, AbortSignal>();
  /** The endpoint, safe to show. */
  readonly endpoint: string;
  /** Resolves the leads records name by reference (activities, memberships) to Marketo ids. */
  readonly leadResolver: LeadResolving;
  /** What the member groups' senders keep across calls (caches), by name: see `RestCalls.state`. */
  readonly #state = new Map<string, unknown>();

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
    this.#customObjectSchemas = new CustomObjectSchemas(options.describe);
    this.#catalog = new FieldCatalog(async (path) => {
      if (admit) await admit();
      return this.#exchange('GET', path, undefined, 0);
    }, options.describe);
    this.#foreignIdField = options.foreignIdField;
    this.#partitionName = options.partitionName;
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.#admitRequest = options.admitRequest;
    this.#admitLookup = options.admitLookup;
    this.#programSteps = options.onProgramSteps
      ? new StepsKeeper(options.onProgramSteps, async (path, signal) => {
          if (this.#admitLookup && !(await this.#admitLookup()))
            throw new MarketoCallError('not read: the caller is stopping', {
              category: 'transient',
              code: 'stopping',
              applied: 'not-sent',
            });
          return this.#exchange('GET', path, undefined, 0, signal);
        })
      : null;
    this.leadResolver = new LeadResolver({
      query: (form, signal) => this.#queryLeads(form, signal),
      ...(options.leads ? { ledger: options.leads } : {}),
      ...(options.admitLookup ? { admit: options.admitLookup } : {}),
      ...(options.foreignIdField ? { foreignIdField: options.foreignIdField } : {}),
    });
  }

  /** One page of Get Leads by Filter Type, its query as a form body (`_method=GET`: past 8 KB of URL). */
  async #queryLeads(form: string, signal?: AbortSignal): Promise<LeadPage> {
    const body = await this.#exchangeWith(
      readEnvelopeBody,
      'POST',
      '/rest/v1/leads.json?_method=GET',
      form,
      0,
      signal,
      'application/x-www-form-urlencoded',
    );
    const result = Array.isArray(body.result) ? body.result : [];
    return typeof body.nextPageToken === 'string' && body.nextPageToken !== ''
      ? { result, nextPageToken: body.nextPageToken.slice(0, 1000) }
      : { result };
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

  /**
   * Reads the channel steps of the programs of new program status groups (see `program-steps.ts`). A
   * read that fails is left to the first send of the program, not repeated here every second.
   */
  async prepare(groups: readonly TransportGroup[]): Promise<void> {
    if (!this.#programSteps) return;
    const programs = new Set(groups.flatMap((g) => (g.kind === 'programStatus' ? [g.programId] : [])));
    for (const programId of programs) await this.#programSteps.keep(programId).catch(() => undefined);
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
        if (group.type === 'Program') return sendPrograms(this.#calls, records, signal);
        // Under a native CRM sync Marketo refuses these objects (1018): the group is held, not failed.
        return stopOnReadOnly(
          await sendObjects(this.#calls, this.#catalog, group, group.type, records, signal),
          group.type,
        );
      }
      case 'activity':
        return sendActivities(this.#calls, call.group, call.records as readonly StoredActivity[], signal);
      case 'customObject':
        return sendCustomObjects(
          this.#calls,
          call.group,
          call.records as readonly StoredCustomObject[],
          signal,
          this.#customObjectSchemas,
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

  /**
   * Every member of static list `listId` (Get Leads by List, 300 a page, `id` and `email`), each page
   * admitted as a read. Throws on any page that fails: a partial read is not a read (list mirroring
   * never removes on one).
   */
  async listMembers(listId: number, signal?: AbortSignal): Promise<ListMember[]> {
    return readListMembers(listId, async (path, page) => {
      if (this.#admitLookup && !(await this.#admitLookup()))
        throw new MarketoCallError('not read: the caller is stopping', {
          category: 'transient',
          code: 'stopping',
          applied: 'not-sent',
        });
      return this.#exchange('GET', path, undefined, 0, signal, undefined, page);
    });
  }

  /** What a JSON body's requests need of the client. */
  get #jsonSender(): JsonSender {
    return {
      exchange: (method, path, body, records, signal, contentType) =>
        this.#exchange(method, path, body, records, signal, contentType),
      admitAnother: () => this.#admitAnother(),
      maxBodyBytes: this.#maxBodyBytes,
    };
  }

  /** The client's requests as the member groups' senders use them. */
  get #calls(): RestCalls {
    return {
      sendJson: (path, envelope, mapped, read, signal) =>
        sendJsonBodies(this.#jsonSender, path, envelope, mapped, read, signal),
      exchange: (method, path, body, records, signal, contentType) =>
        this.#exchange(method, path, body, records, signal, contentType),
      read: (path, signal) => this.#exchangeWith(readEnvelopeBody, 'GET', path, undefined, 0, signal),
      admitAnother: () => this.#admitAnother(),
      ...(this.#admitLookup ? { admitLookup: this.#admitLookup } : {}),
      ...(this.#programSteps ? { programSteps: (id, signal) => this.#programSteps!.keep(id, signal) } : {}),
      maxBodyBytes: this.#maxBodyBytes,
      leads: this.leadResolver,
      state: <T>(name: string, make: () => T): T => {
        if (!this.#state.has(name)) this.#state.set(name, make());
        return this.#state.get(name) as T;
      },
    };
  }

  /**
   * The marketoGUIDs of opportunities and roles by their dedupe fields (see {@link lookUpIds}), one
   * rate token per request. A failed or refused lookup leaves the records' ids null with why.
   */
  async findIds(call: TransportCall, options: CallOptions = {}): Promise<FoundId[]> {
    // Activities have no key: their leads' activity logs are read (activities.ts).
    if (call.group.kind === 'activity')
      return findActivities(this.#calls, call.records as readonly StoredActivity[], options.signal);
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
    return sendJsonBodies(this.#jsonSender, '/rest/v1/leads.json', envelope, mapped, leadResults, signal);
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
    page?: { next?: string },
  ): Promise<unknown[]> {
    return this.#exchangeWith(readEnvelope, method, path, body, records, signal, contentType, page);
  }

  /** {@link #exchange} with another reading of the answer (the whole body of a paged read). */
  async #exchangeWith<T>(
    read: (answer: RestAnswer) => T,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    records: number,
    signal?: AbortSignal,
    contentType?: string,
    page?: { next?: string },
  ): Promise<T> {
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
        const scrubbed = { ...answer, body: this.#scrubber.scrub(answer.body) };
        const result = readingAnswer(() => read(scrubbed));
        if (page) page.next = nextPageToken(scrubbed.body);
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
