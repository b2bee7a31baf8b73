import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { readRecordStream, type FileRecord } from '../producer/file-records.js';
import { safeUrl } from '../safe-url.js';
import { ndjsonBatches, type LineBatch } from './ndjson-lines.js';

/** A batch of a source's rows: NDJSON lines unparsed, or CSV records as the shared reader gives them. */
export type SourceBatch = LineBatch | FileRecord[];

/** A line's value, or the error `mktsync enqueue`'s reader reports for it. */
export function parseLine(line: number, bytes: Buffer): FileRecord {
  try {
    return { line, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (error) {
    return { line, error: `not valid JSON: ${(error as Error).message}` };
  }
}

/** CSV records in batches of up to 256 (one await per batch, not per row). */
async function* csvBatches(records: AsyncGenerator<FileRecord>): AsyncGenerator<FileRecord[]> {
  let batch: FileRecord[] = [];
  for await (const record of records) {
    batch.push(record);
    if (batch.length === 256) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Bounds on what a reconcile run reads from outside. */
export interface SourceLimits {
  /** Largest source, bytes. */
  maxBytes: number;
  /** Longest line, bytes (a line is held whole while it is parsed). */
  maxLineBytes: number;
  /** Longest wait for an HTTP(S) source's response headers, ms. */
  connectTimeoutMs: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxBytes: 16 * 1024 ** 3,
  maxLineBytes: 1024 * 1024,
  connectTimeoutMs: 30_000,
};

/**
 * A source that cannot be read as asked (missing file, HTTP error, over a bound). `permanent` when
 * retrying cannot help (over a bound, HTTP 4xx): the run fails at once instead of being retried.
 */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

/** An opened source: its records, and what is known of its size and identity. */
export interface OpenedSource {
  batches: AsyncGenerator<SourceBatch>;
  format: 'csv' | 'ndjson';
  /** Total bytes, when the file system or Content-Length says. */
  sizeBytes: number | undefined;
  /**
   * What identifies this version of the source (file size and mtime; ETag or Last-Modified), so that a
   * resumed run can refuse a source that changed under it. Empty when nothing identifies it.
   */
  identity: string;
  /** Bytes and lines read so far (for the row estimate). */
  readonly counted: { bytes: number; lines: number };
  close(): void;
}

/** `message` with every spelling of the URL `location` replaced by `shown` (a fetch error may quote it). */
function withoutUrl(message: string, location: string, shown: string): string {
  let href = location;
  try {
    href = new URL(location).href;
  } catch {
    // Not a URL after all: only its own spelling is replaced.
  }
  return message.split(location).join(shown).split(href).join(shown);
}

/** True for `http://` and `https://` locations. */
export const isUrl = (location: string): boolean => /^https?:\/\//i.test(location);

/** The format of a location: `.csv` (or a CSV content type) is CSV, anything else NDJSON. */
function formatOf(location: string, contentType?: string | null): 'csv' | 'ndjson' {
  const path = isUrl(location) ? new URL(location).pathname : location;
  if (/\.csv$/i.test(path) || /^text\/csv\b/i.test(contentType ?? '')) return 'csv';
  return 'ndjson';
}

/** A set name derived from a location: its file name without extension. */
export function defaultSetName(location: string): string {
  if (location === '-') return 'stdin';
  const path = isUrl(location) ? new URL(location).pathname : location;
  const name = basename(path, extname(path))
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 64);
  return name === '' ? 'export' : name;
}

/** Counts bytes and lines, and fails the stream past the size or line bound. */
class Bounds extends Transform {
  readonly counted = { bytes: 0, lines: 0 };
  private lineBytes = 0;
  constructor(
    private readonly limits: SourceLimits,
    private readonly label: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.counted.bytes += chunk.length;
    if (this.counted.bytes > this.limits.maxBytes)
      return done(new SourceError(`${this.label}: larger than ${this.limits.maxBytes} bytes`, true));
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) {
        this.lineBytes += chunk.length - from;
        break;
      }
      this.lineBytes += nl - from;
      if (this.lineBytes > this.limits.maxLineBytes) break;
      this.counted.lines++;
      this.lineBytes = 0;
      from = nl + 1;
    }
    if (this.lineBytes > this.limits.maxLineBytes)
      return done(
        new SourceError(
          `${this.label}:${this.counted.lines + 1}: line longer than ${this.limits.maxLineBytes} bytes`,
          true,
        ),
      );
    done(null, chunk);
  }
}

/**
 * Opens a file, an HTTP(S) URL (streamed, never held whole) or standard input (`-`) and reads its
 * rows: CSV with the same reader as `mktsync enqueue`, NDJSON split into lines as that reader splits
 * it, left unparsed (see {@link ndjsonBatches}).
 */
export async function openSource(
  location: string,
  kind: 'leads' | 'mobjects',
  options: { format?: 'csv' | 'ndjson' | undefined; limits?: SourceLimits; stdin?: Readable } = {},
): Promise<OpenedSource> {
  const limits = options.limits ?? DEFAULT_SOURCE_LIMITS;
  // Errors become a run's failed reason, which the console, the queue view, the CLI and the logs print:
  // they name a URL without the credentials or token it may carry.
  const shown = isUrl(location) ? safeUrl(location) : location;
  let input: Readable;
  let sizeBytes: number | undefined;
  let identity = '';
  let format: 'csv' | 'ndjson';
  let abort: (() => void) | undefined;
  if (location === '-') {
    input = options.stdin ?? process.stdin;
    format = options.format ?? 'ndjson';
  } else if (isUrl(location)) {
    const controller = new AbortController();
    abort = () => controller.abort();
    const timer = setTimeout(() => controller.abort(), limits.connectTimeoutMs);
    let response: Response;
    try {
      response = await fetch(location, { signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      throw new SourceError(
        `${shown}: cannot fetch (${withoutUrl((error as Error).message, location, shown)})`,
      );
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new SourceError(
        `${shown}: HTTP ${response.status} ${response.statusText}`,
        response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429,
      );
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length)) {
      if (length > limits.maxBytes) {
        await response.body.cancel();
        throw new SourceError(`${shown}: larger than ${limits.maxBytes} bytes (${length})`, true);
      }
      sizeBytes = length;
    }
    identity = response.headers.get('etag') ?? response.headers.get('last-modified') ?? '';
    format = options.format ?? formatOf(location, response.headers.get('content-type'));
    input = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  } else {
    let stat;
    try {
      stat = statSync(location);
    } catch {
      throw new SourceError(`${location}: no such file`);
    }
    if (!stat.isFile()) throw new SourceError(`${location}: not a file`, true);
    sizeBytes = stat.size;
    identity = `${stat.size}:${Math.trunc(stat.mtimeMs)}`;
    format = options.format ?? formatOf(location);
    // Large reads: fewer chunks through the bounds and the line splitter.
    input = createReadStream(location, { highWaterMark: 1024 * 1024 });
  }
  if (format === 'ndjson') {
    // The line splitter applies the bounds itself: one pass over the bytes, no stream stage between.
    const counted = { bytes: 0, lines: 0 };
    return {
      batches: ndjsonBatches(input, {
        ...limits,
        counted,
        fail: (message) => new SourceError(`${shown}${message}`, true),
      }),
      format,
      sizeBytes,
      identity,
      counted,
      close() {
        abort?.();
        if (input !== process.stdin) input.destroy();
      },
    };
  }
  const bounds = new Bounds(limits, shown);
  input.on('error', (error) => bounds.destroy(error));
  const bounded = input.pipe(bounds);
  return {
    batches: csvBatches(readRecordStream(bounded, kind, format)),
    format,
    sizeBytes,
    identity,
    counted: bounds.counted,
    close() {
      abort?.();
      if (input !== process.stdin) input.destroy();
      bounds.destroy();
    },
  };
}
