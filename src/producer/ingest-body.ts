import type { BodyFormat } from './content-type.js';

/**
 * Turns an HTTP body into a list of items: a JSON array, a single JSON object, or NDJSON (one object
 * per line). Problems name the item (array index or NDJSON line) and the reason. A JSON object with the
 * same key twice keeps the last (as JSON.parse does).
 */
export interface ParsedBody {
  items: unknown[];
  /** Position of each item as users see it: index for arrays, 1-based line for NDJSON. */
  positions: number[];
  /** `index` or `line`. */
  positionKind: 'index' | 'line';
  problems: { at: number; field: string; reason: string }[];
}

/** The body as text, or undefined when it is not valid UTF-8. */
export function decodeIngestBody(raw: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return undefined;
  }
}

/** The answer to a body that is not valid UTF-8. */
export function notUtf8(): ParsedBody {
  return {
    items: [],
    positions: [],
    positionKind: 'index',
    problems: [{ at: 0, field: '(body)', reason: 'is not valid UTF-8' }],
  };
}

/** Whether a body of this text and declared format is read as NDJSON rather than JSON. */
export function isNdjson(text: string, declared: BodyFormat): boolean {
  // Undeclared: an array is JSON; several lines that are not an array are NDJSON.
  return declared === 'ndjson' || (declared === 'auto' && !/^\s*\[/.test(text) && text.trim().includes('\n'));
}

/** The items of a decoded body (see {@link ParsedBody}). */
export function parseIngestText(text: string, declared: BodyFormat): ParsedBody {
  if (!isNdjson(text, declared)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return {
        items: [],
        positions: [],
        positionKind: 'index',
        problems: [{ at: 0, field: '(body)', reason: `is not valid JSON: ${(error as Error).message}` }],
      };
    }
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0)
      return {
        items,
        positions: [],
        positionKind: 'index',
        problems: [{ at: 0, field: '(body)', reason: 'holds no changes' }],
      };
    return { items, positions: items.map((_, i) => i), positionKind: 'index', problems: [] };
  }
  const out: ParsedBody = { items: [], positions: [], positionKind: 'line', problems: [] };
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.items.push(JSON.parse(line));
      out.positions.push(i + 1);
    } catch (error) {
      out.problems.push({
        at: i + 1,
        field: '(record)',
        reason: `is not valid JSON: ${(error as Error).message}`,
      });
    }
  });
  if (out.items.length === 0 && out.problems.length === 0)
    out.problems.push({ at: 0, field: '(body)', reason: 'holds no changes' });
  return out;
}
