import type { BufferReference } from '../buffer/buffer.js';

/**
 * The 202 answer to an accepted body, as JSON text: `{"accepted", "replayed"?, "references": [...]}`,
 * each reference `{index|line, key, seq, replayed?}`. Written by hand rather than built as objects for
 * JSON.stringify: a body of 500 changes made 500 objects with a computed key and a spread each, a
 * measurable part of an HTTP ingest's own CPU. The text is exactly what JSON.stringify gave.
 */
export function acceptedReplyText(
  positionKind: 'index' | 'line',
  refs: readonly BufferReference[],
  replayed: number,
  positionOf: (i: number) => number,
): string {
  const parts = new Array<string>(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    parts[i] =
      `{"${positionKind}":${JSON.stringify(positionOf(i))},"key":${JSON.stringify(r.key)},` +
      `"seq":${JSON.stringify(r.seq)}${r.replayed ? ',"replayed":true' : ''}}`;
  }
  return (
    `{"accepted":${refs.length}${replayed > 0 ? `,"replayed":${replayed}` : ''},` +
    `"references":[${parts.join(',')}]}`
  );
}
