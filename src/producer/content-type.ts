/**
 * The Content-Types an ingest body may be sent under. JSON under another type (text/plain, a form) is
 * refused with 415: a client that mislabels its body is likely sending something else than it thinks.
 */
export type BodyFormat = 'json' | 'ndjson' | 'auto';

// Not application/json-seq: its records start with RS (0x1E), which no JSON parser reads.
const NDJSON = /^application\/(x-)?(ndjson|jsonl|jsonlines)$/;
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/** The format a Content-Type header declares, or a reason to answer 415. */
export function bodyFormat(header: string | undefined): { format: BodyFormat } | { problem: string } {
  // Without a Content-Type the body's shape decides (an array or object is JSON, several lines NDJSON).
  if (header === undefined || header.trim() === '') return { format: 'auto' };
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return { problem: `charset ${charset} is not accepted; send UTF-8` };
  if (NDJSON.test(type)) return { format: 'ndjson' };
  if (JSON_TYPE.test(type)) return { format: 'json' };
  return {
    problem: `${type} is not accepted; send application/json (an array or one object) or application/x-ndjson`,
  };
}
