import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One non-empty line of an NDJSON input with its 1-based line number. */
export interface NdjsonLine {
  line: number;
  value?: unknown;
  /** Why the line is not JSON, when it is not. */
  error?: string;
}

/** Streams the lines of `path` (`-` for stdin), parsed as JSON one by one, without loading the file whole. */
export async function* readNdjson(path: string): AsyncGenerator<NdjsonLine> {
  const input = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
}
