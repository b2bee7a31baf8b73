import { boundText, MarketoCallError, type ConfigSetting } from '../transport/contract.js';
import { httpStatusMeaning } from './codes.js';
import type { RestHttp } from './http.js';
import { parseJsonBounded } from './json.js';
import { abortable } from './abortable.js';
import { Scrubber } from './scrub.js';

/** How to ask the Identity service for tokens. */
export interface TokenManagerOptions {
  /** The REST client id of the custom service. */
  clientId: string;
  /** The client secret: sent to the Identity service only, never logged or put in an error. */
  clientSecret: string;
  /** Path of the token endpoint on `http`'s host, e.g. `/identity/oauth/token`. */
  tokenPath: string;
  /**
   * Renew when less than this is left, so that no call starts with a token about to expire.
   * @defaultValue 60000
   */
  renewAheadMs?: number;
  /** The clock; tests move it. */
  now?: () => number;
  /**
   * Scrubs texts taken from answers; it learns every token handed out. Default: one that knows the
   * client secret.
   */
  scrubber?: Scrubber;
  /** The setting a wrong Identity URL names (HTTP 404, a redirect). @defaultValue `MARKETO_IDENTITY_ENDPOINT` */
  setting?: ConfigSetting;
}

/** What the token manager did, for metrics. */
export interface TokenStats {
  /** Requests to the Identity service. */
  requests: number;
  /** Renewals forced by a refused token (601/602) or an `expires_in` of 0. */
  forcedRenewals: number;
}

/** What an access token may look like. */
const TOKEN_TEXT = /^[\x21-\x7e]{1,1024}$/;

interface CachedToken {
  value: string;
  expiresAt: number;
  /**
   * Identity answered the token we already had: it hands out a new one only after expiry, so asking
   * again before then is a wasted round trip.
   */
  final: boolean;
}

/**
 * One OAuth client-credentials token per process, shared by every call: fetched on first use, renewed
 * ahead of expiry, renewed once when Marketo refuses it. Concurrent callers share one Identity request.
 */
export class TokenManager {
  readonly #http: RestHttp;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #tokenPath: string;
  readonly #renewAheadMs: number;
  readonly #now: () => number;
  readonly #scrubber: Scrubber;
  readonly #setting: ConfigSetting;
  #token: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;
  readonly stats: TokenStats = { requests: 0, forcedRenewals: 0 };

  constructor(http: RestHttp, options: TokenManagerOptions) {
    if (!options.clientId) throw new TypeError('clientId is required (MARKETO_CLIENT_ID)');
    if (!options.clientSecret) throw new TypeError('clientSecret is required (MARKETO_CLIENT_SECRET)');
    this.#http = http;
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#tokenPath = options.tokenPath;
    this.#renewAheadMs = options.renewAheadMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#scrubber = options.scrubber ?? new Scrubber([options.clientSecret]);
    this.#setting = options.setting ?? 'MARKETO_IDENTITY_ENDPOINT';
  }

  /** A token with more than the renewal margin left. */
  async token(signal?: AbortSignal): Promise<string> {
    const cached = this.#token;
    const left = cached ? cached.expiresAt - this.#now() : 0;
    if (cached && (left > this.#renewAheadMs || (cached.final && left > 0))) return cached.value;
    return (await abortable(this.#fetch(), signal, 'a token')).value;
  }

  /**
   * Marketo refused `refused` (601/602): drop it and get another. Callers holding the same stale token
   * share one renewal; a caller whose token was already replaced gets the new one without a request.
   */
  async renew(refused: string, signal?: AbortSignal): Promise<string> {
    if (this.#token && this.#token.value !== refused) return this.#token.value;
    if (this.#token?.value === refused) {
      this.#token = undefined;
      this.stats.forcedRenewals++;
    }
    return (await abortable(this.#fetch(), signal, 'a token')).value;
  }

  // One Identity request serves every waiting caller; one caller giving up must not end it for the others.
  #fetch(): Promise<CachedToken> {
    this.#inflight ??= this.#request().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #request(): Promise<CachedToken> {
    let token = await this.#ask();
    if (token.expiresInSec <= 0) {
      // Identity has been seen handing out a token with `expires_in: 0`; it is refused on first use. Ask once more.
      this.stats.forcedRenewals++;
      token = await this.#ask();
      if (token.expiresInSec <= 0) {
        throw new MarketoCallError('the Identity service keeps answering tokens that have expired', {
          category: 'transient',
          code: 'token-expired-on-issue',
          applied: 'not-sent',
        });
      }
    }
    const final = this.#token?.value === token.value;
    this.#token = { value: token.value, expiresAt: this.#now() + token.expiresInSec * 1000, final };
    return this.#token;
  }

  async #ask(): Promise<{ value: string; expiresInSec: number }> {
    this.stats.requests++;
    // Adobe documents the credentials as query parameters of a GET or POST; the Identity service also
    // takes them as a form body (as public clients send them), which keeps the secret out of every
    // URL, and so out of the access logs of proxies and gateways on the way.
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#clientId,
      client_secret: this.#clientSecret,
    });
    let answer;
    try {
      answer = await this.#http.request({
        method: 'POST',
        path: this.#tokenPath,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } catch (error) {
      // Whatever happened to the token request, the call it was for was not sent.
      if (error instanceof MarketoCallError)
        throw new MarketoCallError(`token request failed: ${this.#scrubber.scrub(error.message)}`, {
          ...error.details(),
          applied: 'not-sent',
        });
      throw error;
    }
    if (answer.status !== 200) {
      const meaning = httpStatusMeaning(answer.status);
      const description = identityErrorText(answer.body, this.#scrubber);
      const to = answer.location === undefined ? '' : ` (redirect to ${answer.location})`;
      const check =
        meaning.category === 'auth'
          ? ' (check MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET)'
          : meaning.category === 'config'
            ? ` (check ${this.#setting})`
            : '';
      throw new MarketoCallError(
        `the Identity service answered HTTP ${answer.status}${to}${description ? `: ${description}` : ''}${check}`,
        {
          category: meaning.category,
          code: `http:${answer.status}`,
          applied: 'not-sent',
          httpStatus: answer.status,
          ...(meaning.category === 'config' ? { setting: this.#setting } : {}),
        },
      );
    }
    const parsed = parseJsonBounded(answer.body);
    const body =
      parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : undefined;
    const value = body && 'access_token' in body ? body.access_token : undefined;
    const expiresIn = seconds(body && 'expires_in' in body ? body.expires_in : undefined);
    // A token travels in a header: printable ASCII without spaces, and short (Marketo's are ~40
    // characters). Anything else would fail in the HTTP layer, or weigh on every request.
    if (typeof value !== 'string' || !TOKEN_TEXT.test(value) || expiresIn === undefined) {
      throw new MarketoCallError(
        'the Identity service answered without a usable access_token and expires_in',
        {
          category: 'transient',
          code: 'malformed-answer',
          applied: 'not-sent',
        },
      );
    }
    this.#scrubber.addToken(value);
    return { value, expiresInSec: expiresIn };
  }
}

/**
 * `expires_in` as seconds: a finite number or its digits; undefined for anything else. The type is
 * checked first: `Number()` on an array 100,000 levels deep overflows the stack.
 */
function seconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\d{1,12}$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The `error`/`error_description` of an Identity error body, scrubbed of credentials before it is
 * cut (a cut could leave the start of a secret), then bounded.
 */
function identityErrorText(body: string, scrubber: Scrubber): string {
  const parsed = parseJsonBounded(body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return '';
  const v = parsed.value as Record<string, unknown>;
  const parts = [v.error, v.error_description].filter((p): p is string => typeof p === 'string');
  return boundText(scrubber.scrub(parts.join(': ')), 200);
}
