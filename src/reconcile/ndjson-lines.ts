/**
 * NDJSON lines as byte ranges of the chunks read, unparsed and undecoded: a run recognises an unchanged
 * row from the digest of its bytes, so most lines are never turned into strings. Lines are split and
 * numbered as the shared reader (`readline`) does: at `\n`, `\r\n` and a lone `\r`; blank lines are
 * skipped but counted.
 */

/** Lines of one chunk: line `numbers[i]` is `buf[starts[i], ends[i])`. */
export interface LineBatch {
  buf: Buffer;
  starts: number[];
  ends: number[];
  numbers: number[];
}

const CR = 13;
const LF = 10;

function isBlank(buf: Buffer, start: number, end: number): boolean {
  if (end === start) return true;
  const first = buf[start]!;
  // Only a line starting with a space, a control or a non-ASCII byte can be all whitespace (as trim sees it).
  if (first > 0x20 && first < 0x80) return false;
  return buf.toString('utf8', start, end).trim() === '';
}

/** Bounds applied while splitting: `fail` makes the error (its message starts with `: ` or `:N: `). */
export interface LineBounds {
  maxBytes: number;
  maxLineBytes: number;
  /** Bytes and lines (at `\n`) read so far. */
  counted: { bytes: number; lines: number };
  fail(message: string): Error;
}

export async function* ndjsonBatches(
  input: AsyncIterable<Buffer | string>,
  bounds?: LineBounds,
): AsyncGenerator<LineBatch> {
  const maxLine = bounds?.maxLineBytes ?? Infinity;
  const counted = bounds?.counted ?? { bytes: 0, lines: 0 };
  let carry: Buffer | null = null;
  let line = 0;
  /** The next CR of the current buffer at or after the line being split (-1: none left). */
  let cr = -1;
  const add = (batch: LineBatch, start: number, end: number): void => {
    const { buf } = batch;
    if (cr >= 0 && cr < start) cr = buf.indexOf(CR, start);
    if (end > start && buf[end - 1] === CR) end--;
    // A lone CR ends a line too.
    while (cr >= 0 && cr < end) {
      line++;
      if (!isBlank(buf, start, cr)) {
        batch.starts.push(start);
        batch.ends.push(cr);
        batch.numbers.push(line);
      }
      start = cr + 1;
      cr = buf.indexOf(CR, start);
    }
    line++;
    if (!isBlank(buf, start, end)) {
      batch.starts.push(start);
      batch.ends.push(end);
      batch.numbers.push(line);
    }
  };
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    counted.bytes += data.length;
    if (bounds && counted.bytes > bounds.maxBytes)
      throw bounds.fail(`: larger than ${bounds.maxBytes} bytes`);
    const buf: Buffer = carry ? Buffer.concat([carry, data]) : data;
    const batch: LineBatch = { buf, starts: [], ends: [], numbers: [] };
    cr = buf.indexOf(CR);
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(LF, from);
      if (nl < 0) break;
      if (nl - from > maxLine) throw bounds!.fail(`:${counted.lines + 1}: line longer than ${maxLine} bytes`);
      counted.lines++;
      add(batch, from, nl);
      from = nl + 1;
    }
    carry = from < buf.length ? buf.subarray(from) : null;
    if (carry && carry.length > maxLine)
      throw bounds!.fail(`:${counted.lines + 1}: line longer than ${maxLine} bytes`);
    if (batch.numbers.length > 0) yield batch;
  }
  if (carry) {
    const batch: LineBatch = { buf: carry, starts: [], ends: [], numbers: [] };
    cr = carry.indexOf(CR);
    add(batch, 0, carry.length);
    if (batch.numbers.length > 0) yield batch;
  }
}
