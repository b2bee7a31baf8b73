/**
 * The one bound on text that mktsync takes from outside and keeps (Marketo's statuses, error texts,
 * fault messages): an answer may carry megabytes in one element, and every copy of it would land in
 * outcomes, dead letters, logs and Redis. Text longer than the bound is cut with a visible marker.
 */

/** Longest text kept from one field of an answer, in UTF-16 code units (before the marker). */
export const MAX_ANSWER_TEXT = 1024;

/** The marker that ends a cut text. */
export function cutMarker(charactersCut: number): string {
  return `… [${charactersCut} characters cut]`;
}

const MARKED = /… \[\d+ characters cut\]$/;

/** `text` when it fits in `max`, else its first characters and `… [N characters cut]`. */
export function boundText(text: string, max: number = MAX_ANSWER_TEXT): string {
  if (text.length <= max) return text;
  // Already cut to the bound (e.g. before parsing): cutting again would only misstate the count.
  const marked = MARKED.exec(text.slice(-40));
  if (marked && text.length - marked[0].length <= max) return text;
  let end = max;
  // Never split a surrogate pair: a lone half is not valid Unicode and JSON/XML writers mangle it.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  // A copy, not a slice: V8 keeps the whole original string alive behind a slice of it.
  const head = Buffer.from(text.slice(0, end), 'utf8').toString('utf8');
  return `${head}${cutMarker(text.length - end)}`;
}

/** {@link boundText} for text that may be absent. */
export function boundOptionalText(
  text: string | undefined,
  max: number = MAX_ANSWER_TEXT,
): string | undefined {
  return text === undefined ? undefined : boundText(text, max);
}
