/**
 * Keeping credentials out of every text taken from an answer. An Identity service, a gateway or a
 * proxy may quote the request it refused (its URL, its body, its headers), so whatever a server says
 * is scrubbed before it becomes an error, an outcome, a dead letter, a stream entry or a log line.
 */

/** What a scrubbed credential reads as. */
export const HIDDEN = '(hidden)';

// Credentials by their name, whatever the value: a query or form (`client_secret=…`), JSON
// (`"access_token": "…"`), a header (`Authorization: Bearer …`).
const NAMED =
  /\b(client_secret|access_token|refresh_token)(%22|["'])?(\s*(?:=|:|%3D|%3A)\s*)(%22|["'])?[^\s&"',;}<%]+/gi;
const BEARER = /\b(Bearer)(\s+|%20|\+)[A-Za-z0-9._~+/:=-]+/gi;

/** Most access tokens remembered: the live one and a few before it (a renewal replaces them). */
const MAX_TOKENS = 8;

/**
 * Removes known secrets (the client secret, the access tokens handed out) in their plain, URL- and
 * form-encoded spellings, and any value named like a credential.
 */
export class Scrubber {
  readonly #secrets = new Set<string>();
  readonly #tokens: string[] = [];

  constructor(secrets: readonly string[] = []) {
    for (const s of secrets) this.#add(this.#secrets, s);
  }

  /** Remembers an access token, so that an answer quoting it is scrubbed too. */
  addToken(token: string): void {
    if (token === '' || this.#tokens.includes(token)) return;
    this.#tokens.push(token);
    if (this.#tokens.length > MAX_TOKENS) this.#tokens.shift();
  }

  /** `text` without any credential. */
  scrub(text: string): string {
    let out = text;
    for (const secret of [...this.#secrets, ...this.#tokens])
      for (const spelling of spellings(secret)) out = out.split(spelling).join(HIDDEN);
    return out
      .replace(NAMED, (_m, name: string, q1 = '', sep: string, q2 = '') => `${name}${q1}${sep}${q2}${HIDDEN}`)
      .replace(BEARER, (_m, name: string, sep: string) => `${name}${sep}${HIDDEN}`);
  }

  #add(set: Set<string>, secret: string): void {
    if (secret !== '') set.add(secret);
  }
}

/** A secret as it may appear in a quoted request: as is, URL-encoded, form-encoded, JSON-escaped. */
function spellings(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ]);
  // Longest first, so that a spelling containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}
