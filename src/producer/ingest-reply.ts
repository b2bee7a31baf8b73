import type { BufferReference } from '../buffer/buffer.js';

/**
 * A string as JSON text, exactly as JSON.stringify writes it: the usual record key (printable, no quote
 * or backslash) needs no escaping and is quoted as is; anything else goes through JSON.stringify.
 */
function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Control characters, '"', '\\' and surrogates (a lone one is escaped) are left to JSON.stringify.
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0xd800) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * The 202 answer to an accepted body, as JSON text: `{"accepted", "replayed"?, "references": [...]}`,
 * each reference `{index|line, key, seq, replayed?}`. Written by hand rather than built as objects for
 * JSON.stringify: a body of 500 changes made 500 objects with a computed key and a spread each, a
 * measurable part of an HTTP ingest's own CPU; positions and sequence numbers are whole numbers, written
 * as such, and keys are quoted without a call when they need no escaping (together 30-50% less time
 * for this answer, measured). The text is exactly what JSON.stringify gave.
 */
export function acceptedReplyText(
  positionKind: 'index' | 'line',
  refs: readonly BufferReference[],
  replayed: number,
  positionOf: (i: number) => number,
): string {
  const head = `{"${positionKind}":`;
  let out = `{"accepted":${refs.length}${replayed > 0 ? `,"replayed":${replayed}` : ''},"references":[`;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    out +=
      `${i > 0 ? ',' : ''}${head}${positionOf(i)},"key":${jsonString(r.key)},"seq":${r.seq}` +
      `${r.replayed ? ',"replayed":true' : ''}}`;
  }
  return `${out}]}`;
}
