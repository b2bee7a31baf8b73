/**
 * URLs as they may be shown: in logs, errors and readiness answers. A URL can carry credentials in its
 * userinfo (`redis://:password@host`, `https://user:pass@host`) or its query (`?token=…`), so only the
 * scheme, host, port and path are ever printed.
 */

/** `url` without userinfo, query or fragment; a text that is not a URL is not shown at all. */
export function safeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(not a valid URL)';
  }
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString();
}
