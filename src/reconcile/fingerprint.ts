import { hash } from 'node:crypto';
import type { BufferedChange } from '../buffer/buffer.js';

/**
 * A record's identity and content as two 64-bit digests. The content digest covers the record key, its
 * batch group and its normalised data (attribute names sorted, values already the text Marketo
 * receives), so two rows that would send the same thing have the same fingerprint whatever the column
 * order or number formatting of the export.
 */
export interface Fingerprint {
  /** First 8 bytes of MD5(record key): the field in the set's bucket. */
  keyDigest: Buffer;
  /** First 8 bytes of MD5(key, group, normalised data). */
  content: Buffer;
}

/** JSON with object keys sorted at every level; arrays keep their order (it is meaningful). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const digest8 = (text: string): Buffer => (hash('md5', text, 'buffer') as Buffer).subarray(0, 8);

/** The fingerprint of a validated change. */
export function fingerprint(change: BufferedChange): Fingerprint {
  return {
    keyDigest: digest8(change.key),
    content: digest8(`${change.key}\n${change.group}\n${canonicalJson(change.data)}`),
  };
}
