/**
 * A reconcile source as the console shows it: a file path as it is; a URL without its userinfo, query
 * or fragment, where credentials and tokens travel (`https://user:pass@host/x.csv?token=…`).
 */
export function shownSource(source: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source;
  try {
    const url = new URL(source);
    const hidden = url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '';
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return hidden ? `${url.toString()} (credentials and query hidden)` : url.toString();
  } catch {
    return '(not a valid URL)';
  }
}
