import { describe, expect, it } from 'vitest';
import type { BufferReference } from '../../src/buffer/buffer.js';
import { acceptedReplyText } from '../../src/producer/ingest-reply.js';

// The answer as the ingest server built it before: objects for JSON.stringify.
function asObjects(
  kind: 'index' | 'line',
  refs: readonly BufferReference[],
  replayed: number,
  positionOf: (i: number) => number,
): string {
  return JSON.stringify({
    accepted: refs.length,
    ...(replayed > 0 ? { replayed } : {}),
    references: refs.map((r, i) => ({
      [kind]: positionOf(i),
      key: r.key,
      seq: r.seq,
      ...(r.replayed ? { replayed: true } : {}),
    })),
  });
}

describe('the accepted answer of the ingest server', () => {
  const refs: BufferReference[] = [
    { key: 'L:em:a%40example.com', seq: 1 },
    { key: 'O:Opportunity:ek:n="q"\\x\u2028', seq: 9_007_199_254_740_991, replayed: true },
    { key: 'L:id:42#17', seq: 17 },
    { key: 'L:em:\u00e9\u{1F600}', seq: 0 },
    // What the quick path must leave to JSON.stringify: control characters, a lone surrogate.
    { key: 'O:Company:ek:a\nb\u0001\t', seq: 3 },
    { key: 'O:Company:ek:\ud800x\udfff', seq: 4, replayed: true },
    { key: '', seq: 5 },
  ];

  it('is the same text JSON.stringify made of the objects, for arrays and NDJSON', () => {
    for (const kind of ['index', 'line'] as const) {
      const positionOf = (i: number): number => (kind === 'line' ? i * 2 + 1 : i);
      for (const replayed of [0, 1]) {
        const text = acceptedReplyText(kind, refs, replayed, positionOf);
        expect(text).toBe(asObjects(kind, refs, replayed, positionOf));
        expect(JSON.parse(text)).toEqual(JSON.parse(asObjects(kind, refs, replayed, positionOf)));
      }
    }
  });

  it('answers an empty list of references as valid JSON', () => {
    expect(acceptedReplyText('index', [], 0, (i) => i)).toBe('{"accepted":0,"references":[]}');
  });
});
