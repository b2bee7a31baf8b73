import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse, type Parser } from 'csv-parse';

/** One record read from an import file, with its 1-based line number, or why the line is unreadable. */
export interface FileRecord {
  line: number;
  value?: unknown;
  error?: string;
}

const LEAD_COLUMNS = new Set(['Id', 'Email', 'ForeignSysPersonId', 'ForeignSysType', 'dedupEnabled']);
const MOBJECT_COLUMNS = new Set(['type', 'operation', 'id', 'externalKeyName', 'externalKeyValue']);

/** The file's format: from its extension, else from its first character. */
export function detectFormat(path: string): 'csv' | 'ndjson' {
  return /\.csv$/i.test(path) ? 'csv' : 'ndjson';
}

function csvRow(kind: 'leads' | 'mobjects', row: Record<string, string>): Record<string, unknown> {
  const keys = kind === 'leads' ? LEAD_COLUMNS : MOBJECT_COLUMNS;
  const out: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    // An empty cell means "no change to this field"; clearing a field needs NDJSON's null.
    if (value === '') continue;
    if (!keys.has(column)) attributes[column] = value;
    else if (column === 'Id' || column === 'id') out[column] = /^-?\d+$/.test(value) ? Number(value) : value;
    else if (column === 'dedupEnabled')
      out[column] = value === 'true' ? true : value === 'false' ? false : value;
    else if (column === 'externalKeyName' || column === 'externalKeyValue') {
      const key = (out.externalKey ??= {}) as Record<string, string>;
      key[column === 'externalKeyName' ? 'name' : 'value'] = value;
    } else out[column] = value;
  }
  out.attributes = attributes;
  return out;
}

/**
 * Streams the records of an NDJSON or CSV file (`-` is stdin) without loading it whole. CSV: a header
 * row names the columns; key columns by their names (leads: Id, Email, ForeignSysPersonId,
 * ForeignSysType, dedupEnabled; objects: type, operation, id, externalKeyName, externalKeyValue), every
 * other column is an attribute.
 */
export async function* readRecords(
  path: string,
  kind: 'leads' | 'mobjects',
  format = detectFormat(path),
): AsyncGenerator<FileRecord> {
  yield* readRecordStream(path === '-' ? process.stdin : createReadStream(path), kind, format);
}

/**
 * {@link readRecords} over any byte stream (a file, standard input, an HTTP response). The CSV parser
 * and the forwarding of the input's errors are set up at the call, not at the first read: an input
 * that fails before its rows are read (a reconcile source's bound, a read error) then fails the
 * reading, instead of being an uncaught exception that leaves the reader waiting for ever.
 */
export function readRecordStream(
  input: NodeJS.ReadableStream,
  kind: 'leads' | 'mobjects',
  format: 'csv' | 'ndjson',
): AsyncGenerator<FileRecord> {
  if (format === 'ndjson') return ndjsonRecords(input);
  const parser = input.pipe(
    parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false, info: true }),
  );
  // pipe() does not forward a source's error. The parser keeps it (a destroyed stream's iterator
  // throws it when read); the listener only stops it being uncaught before the first read.
  input.on('error', (error: Error) => parser.destroy(error));
  parser.on('error', () => {});
  return csvRecords(parser, kind);
}

async function* ndjsonRecords(input: NodeJS.ReadableStream): AsyncGenerator<FileRecord> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
}

async function* csvRecords(parser: Parser, kind: 'leads' | 'mobjects'): AsyncGenerator<FileRecord> {
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      yield { line: info.lines, value: csvRow(kind, record) };
    }
  } catch (error) {
    const e = error as Error & { lines?: number; code?: unknown };
    // A CSV syntax error is the file's problem and reported as a row; the input failing is not.
    if (!(typeof e.code === 'string' && e.code.startsWith('CSV_'))) throw error;
    yield { line: e.lines ?? 0, error: `CSV: ${e.message}` };
  }
}
