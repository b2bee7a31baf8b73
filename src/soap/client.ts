import pRetry from 'p-retry';
import {
  buildSyncMObjects,
  buildSyncMultipleLeads,
  soapAction,
  wrapEnvelope,
  type PreparedRequest,
} from './envelope.js';
import { HttpStatusError, MarketoFault, SoapError, TransportError } from './faults.js';
import { parseFault, parseSyncMObjects, parseSyncMultipleLeads } from './response.js';
import { signRequest, w3cTimestamp } from './signature.js';
import { HttpTransport, type TransportOptions } from './transport.js';
import type { LeadRecord, LeadSyncResult, MObject, MObjSyncResult, SyncOperation } from './types.js';

/** A Program `Cost` entry without an `Id` is appended as a new cost every time it is applied. */
function appendsCost(object: MObject): boolean {
  return (
    object.type === 'Program' &&
    (object.typeAttributes ?? []).some(
      (t) => t.attrType === 'Cost' && !t.attributes.some((a) => a.name === 'Id'),
    )
  );
}

function stopped(control: CallControl): boolean {
  return control.noNewAttempts?.aborted === true || control.abandon?.aborted === true;
}

/** How to reach and authenticate against one Marketo instance's SOAP endpoint. */
export interface SoapClientOptions extends TransportOptions {
  /** e.g. `https://123-ABC-456.mktoapi.com/soap/mktows/2_3`; the WSDL's own soap:address is never used. */
  endpoint: string;
  /** `mktowsUserId`. */
  userId: string;
  /** The encryption key; it signs requests and is never logged, sent, or put in an error. */
  encryptionKey: string;
  /**
   * Extra attempts, inside one call, after a transport blip: one known to have happened before the
   * request left (refused, DNS, TLS, connect timeout, a 503) always, one after it (reset,
   * response timeout, an answer cut off) only for an idempotent call (never a create).
   * API-level retries belong to the caller, so that every real call passes its rate limiter.
   * @defaultValue 2
   */
  transportRetries?: number;
  /**
   * Whether a transport retry may follow a failure after the request left (reset, response timeout, an
   * answer cut off) for an idempotent call. The worker turns it off: the abandoned request may still be
   * applied, and its policy resends only once it no longer can be (`MKTSYNC_ABANDONED_APPLY_MS`), so
   * that it cannot land after a newer value.
   * @defaultValue true
   */
  retryAfterSent?: boolean;
  /**
   * Extra attempts after fault 20016 (Request Expired), each signed afresh and sent at once.
   * @defaultValue 2
   */
  resignRetries?: number;
  /**
   * Shortest wait before a transport retry; doubles each time, with jitter.
   * @defaultValue 100
   */
  retryMinDelayMs?: number;
  /** The clock used for `requestTimestamp`; tests move it. */
  now?: () => Date;
}

/**
 * How a caller controls one call: whether another attempt may still start, and when the attempt in
 * flight must be abandoned. A stopping worker sets `noNewAttempts` at SIGTERM and `abandon` at its
 * shutdown deadline.
 */
export interface CallControl {
  /** Once aborted, no further HTTP attempt starts (no transport retry, no re-signed resend). */
  noNewAttempts?: AbortSignal;
  /** Once aborted, the attempt in flight is abandoned at once. */
  abandon?: AbortSignal;
}

/** What one HTTP attempt did; handed to {@link SoapClientOptions}'s observers such as metrics. */
export interface AttemptReport {
  operation: PreparedRequest['operation'];
  recordCount: number;
  durationMs: number;
  /** Undefined on success. */
  error?: SoapError;
}

/**
 * A client for the two mktows operations mktsync needs. Every HTTP attempt is signed afresh just before
 * it is sent; every answer yields exactly one result per record or throws a {@link SoapError}.
 */
export class MarketoSoapClient {
  readonly #transport: HttpTransport;
  readonly #userId: string;
  readonly #key: string;
  readonly #transportRetries: number;
  readonly #retryAfterSent: boolean;
  readonly #resignRetries: number;
  readonly #retryMinDelayMs: number;
  readonly #now: () => Date;
  readonly #observers: ((report: AttemptReport) => void)[] = [];
  /** The endpoint, safe to show (it holds no secret). */
  readonly endpoint: string;

  constructor(options: SoapClientOptions) {
    if (!options.userId) throw new TypeError('userId is required (MARKETO_USER_ID)');
    if (!options.encryptionKey) throw new TypeError('encryptionKey is required (MARKETO_ENCRYPTION_KEY)');
    this.endpoint = options.endpoint;
    this.#transport = new HttpTransport(options.endpoint, options);
    this.#userId = options.userId;
    this.#key = options.encryptionKey;
    this.#transportRetries = options.transportRetries ?? 2;
    this.#retryAfterSent = options.retryAfterSent ?? true;
    this.#resignRetries = options.resignRetries ?? 2;
    this.#retryMinDelayMs = options.retryMinDelayMs ?? 100;
    this.#now = options.now ?? (() => new Date());
  }

  /** Calls `observer` after every HTTP attempt. */
  onAttempt(observer: (report: AttemptReport) => void): void {
    this.#observers.push(observer);
  }

  /**
   * Upserts up to 300 leads; `dedupEnabled` is left out of the request when undefined (Marketo: true).
   * With `dedupEnabled: false` every record is a create, so the call is never resent after a failure
   * that may have come after Marketo applied it.
   */
  async syncMultipleLeads(
    records: readonly LeadRecord[],
    options: { dedupEnabled?: boolean } & CallControl = {},
  ): Promise<LeadSyncResult[]> {
    const prepared = buildSyncMultipleLeads(records, options.dedupEnabled);
    const answer = await this.send(prepared, { ...options, idempotent: options.dedupEnabled !== false });
    return parseSyncMultipleLeads(answer, prepared.recordCount);
  }

  /**
   * Inserts, updates or upserts up to 100 objects with one operation. An INSERT, or a Program update
   * adding a cost (a `Cost` entry without `Id`, appended each time it is applied), is never resent
   * after a failure that may have come after Marketo applied it.
   */
  async syncMObjects(
    objects: readonly MObject[],
    operation: SyncOperation,
    control: CallControl = {},
  ): Promise<MObjSyncResult[]> {
    const prepared = buildSyncMObjects(objects, operation);
    const idempotent = operation !== 'INSERT' && !objects.some(appendsCost);
    const answer = await this.send(prepared, { ...control, idempotent });
    return parseSyncMObjects(answer, prepared.recordCount);
  }

  /**
   * Sends a prepared request and returns the body of its HTTP 200 answer. Faults and failures throw.
   * A failure before the request left (refused, DNS, TLS, connect timeout, a 503) is
   * retried here a bounded number of times; one after it (reset, response timeout, an answer cut off)
   * only when `idempotent` says a second application is harmless. 20016 is re-signed and sent again.
   */
  async send(
    prepared: PreparedRequest,
    control: CallControl & { idempotent?: boolean } = {},
  ): Promise<string> {
    const idempotent = (control.idempotent ?? true) && this.#retryAfterSent;
    return pRetry(() => this.#sendResigning(prepared, control), {
      retries: this.#transportRetries,
      minTimeout: this.#retryMinDelayMs,
      factor: 2,
      randomize: true,
      shouldRetry: ({ error }) =>
        !stopped(control) &&
        !(error instanceof MarketoFault) &&
        error instanceof SoapError &&
        (error.category === 'transient' || (idempotent && error.category === 'indeterminate')),
    });
  }

  async #sendResigning(prepared: PreparedRequest, control: CallControl): Promise<string> {
    for (let resign = 0; ; resign++) {
      try {
        return await this.#attempt(prepared, control);
      } catch (error) {
        if (
          !(error instanceof MarketoFault && error.category === 're-sign') ||
          resign >= this.#resignRetries ||
          stopped(control)
        )
          throw error;
      }
    }
  }

  async #attempt(prepared: PreparedRequest, control: CallControl): Promise<string> {
    // Checked before every attempt, the first included: a stopping caller starts nothing new.
    if (stopped(control))
      throw new TransportError('not sent: the caller is stopping', undefined, { sent: false });
    const requestTimestamp = w3cTimestamp(this.#now());
    const envelope = wrapEnvelope(
      {
        mktowsUserId: this.#userId,
        requestTimestamp,
        requestSignature: signRequest(this.#key, requestTimestamp, this.#userId),
      },
      prepared,
    );
    const started = performance.now();
    let error: SoapError | undefined;
    try {
      const answer = await this.#transport.post(
        envelope,
        { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: soapAction(prepared.operation) },
        control.abandon,
      );
      if (answer.status === 200) return answer.body;
      // Marketo answers faults with HTTP 500; anything else without a fault is an HTTP-level failure.
      let fault: MarketoFault | undefined;
      try {
        fault = parseFault(answer.body);
      } catch {
        fault = undefined;
      }
      throw fault ?? new HttpStatusError(answer.status);
    } catch (caught) {
      error = caught instanceof SoapError ? caught : new TransportError(String(caught), undefined);
      throw error;
    } finally {
      const report: AttemptReport = {
        operation: prepared.operation,
        recordCount: prepared.recordCount,
        durationMs: performance.now() - started,
      };
      if (error) report.error = error;
      for (const observer of this.#observers) observer(report);
    }
  }

  /** Closes idle connections. */
  close(): void {
    this.#transport.close();
  }
}
