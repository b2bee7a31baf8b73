import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRecordStream } from '../../src/producer/file-records.js';
import { lineContent, lineDigestInto } from '../../src/reconcile/fingerprint.js';
import { LoadedSet, tableBytes } from '../../src/reconcile/loaded-set.js';
import { ndjsonBatches } from '../../src/reconcile/ndjson-lines.js';

const text = [
  '{"a":1}',
  '{"b":"é ünïcode ✓"}\r',
  '{"c":3}\r{"d":4}',
  '',
  '   ',
  '\t{"e":5}',
  '{"f":"x\\r"}\r\r',
  '{"g":7}',
].join('\n');

/** The shared reader's lines (number and text) for the same bytes. */
async function readerLines(bytes: Buffer): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const r of readRecordStream(Readable.from([bytes]), 'leads', 'ndjson'))
    out.push([r.line, JSON.stringify(r.value ?? r.error)]);
  return out;
}

describe('NDJSON lines for the in-memory diff', () => {
  it('are split and numbered as the shared reader does, wherever the chunks break', async () => {
    const bytes = Buffer.from(text);
    const expected = await readerLines(bytes);
    expect(expected.map(([n]) => n)).toEqual([1, 2, 3, 4, 7, 8, 10]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const lines: [number, string][] = [];
      for await (const b of ndjsonBatches(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)])))
        b.numbers.forEach((n, i) => {
          const line = b.buf.toString('utf8', b.starts[i], b.ends[i]);
          let value: string;
          try {
            value = JSON.stringify(JSON.parse(line));
          } catch (error) {
            value = JSON.stringify(`not valid JSON: ${(error as Error).message}`);
          }
          lines.push([n, value]);
        });
      expect(lines, `cut at ${cut}`).toEqual(expected);
    }
  });

  it('digest the bytes of a line in place as a copy of them would', () => {
    const buf = Buffer.from('xx{"Email":"a@example.com"}yy');
    const lanes = new Uint32Array(2);
    lineDigestInto(buf, 2, buf.length - 2, lanes);
    const whole = lineContent(Buffer.from('{"Email":"a@example.com"}'));
    expect([whole.readUInt32BE(0), whole.readUInt32BE(4)]).toEqual([lanes[0], lanes[1]]);
    expect(lineContent(Buffer.from('{"Email":"b@example.com"}')).equals(whole)).toBe(false);
  });
});

describe('a set held in memory', () => {
  it('finds records by content and by key, tracks what was seen, and grows keeping both', () => {
    let table = new LoadedSet(3);
    const slots = [1, 2, 3].map((i) => table.add(i, i * 10, i * 100, i * 1000));
    expect(slots.every((s) => s >= 0)).toBe(true);
    expect(table.add(4, 40, 400, 4000)).toBe(-1);
    const grown = table.grown(10);
    table = grown.table;
    expect(table.add(4, 40, 400, 4000)).toBeGreaterThanOrEqual(0);
    expect(table.size).toBe(4);
    expect(table.findContent(200, 2000)).toBe(grown.moved[slots[1]!]);
    expect(table.findContent(200, 2001)).toBe(-1);
    expect(table.findKey(3, 30)).toBe(table.findContent(300, 3000));
    expect(table.findKey(5, 50)).toBe(-1);
    table.markSeen(table.findContent(100, 1000));
    table.markSeen(table.findKey(4, 40));
    const unseen = [...table.unseen(1)].flat().map((k) => [k.readUInt32BE(0), k.readUInt32BE(4)]);
    expect(unseen.sort()).toEqual([
      [2, 20],
      [3, 30],
    ]);
  });

  it('costs about 25 bytes per record', () => {
    expect(tableBytes(1_000_000) / 1_000_000).toBeGreaterThan(24);
    expect(tableBytes(1_000_000) / 1_000_000).toBeLessThan(26);
    expect(new LoadedSet(1_000_000).bytes).toBe(tableBytes(1_000_000));
  });
});
