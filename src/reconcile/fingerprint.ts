import { leadKey, mobjectKey } from '../producer/record-keys.js';
import type { ObjectOperation } from '../vocabulary/object-operations.js';

/**
 * A row's identity and content as two 64-bit digests, computed from the row as exported (before
 * validation, so that an unchanged row costs no validation at all): the record key it would coalesce
 * under, and its normalised content (attribute names sorted, values tagged with their JSON type). Two
 * rows with the same content fingerprint send the same thing. A row whose only change is formatting
 * (`5` against `"5"`) counts as changed once; a real change is never missed (but with a 2^-64
 * chance). Only rows that validated and were confirmed by Marketo are ever committed, so a row found
 * unchanged is valid.
 */
export interface Fingerprint {
  /** Digest of the record key: the field in the set's bucket. */
  keyDigest: Buffer;
  /** Digest of the record key and the normalised row. */
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

/**
 * A 64-bit non-cryptographic digest of a string (two 32-bit multiply-xorshift lanes over its UTF-16
 * code units, cross-mixed at the end, as in cyrb53 but keeping all 64 bits). Exports are not
 * adversarial: what matters is that a changed row almost surely changes its digest and that it is
 * fast, since reconciling hashes every row of the export.
 */
export function digest64(text: string, out: Buffer = Buffer.allocUnsafe(8)): Buffer {
  digestInto(text, lanes);
  out.writeUInt32BE(lanes[0]!, 0);
  out.writeUInt32BE(lanes[1]!, 4);
  return out;
}

const lanes = new Uint32Array(2);

/** The final avalanche of the two 32-bit lanes that {@link digestInto} and {@link lineDigestInto} mix. */
function finishInto(a: number, b: number, out: Uint32Array): void {
  let h1 = Math.imul(a ^ (a >>> 16), 2246822507);
  h1 ^= Math.imul(b ^ (b >>> 13), 3266489909);
  let h2 = Math.imul(b ^ (b >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
}

/**
 * {@link digest64} into `out[0]` (high) and `out[1]` (low) without allocating: the in-memory diff hashes
 * every line of an export with it.
 */
export function digestInto(text: string, out: Uint32Array): void {
  let h1 = 0xdeadbeef ^ text.length;
  let h2 = 0x41c6ce57 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  finishInto(h1, h2, out);
}

/**
 * The content fingerprint of an NDJSON line as exported: the digest of its bytes `buf[start, end)`
 * (the {@link digestInto} mixing over bytes instead of UTF-16 units). Hashing the raw line lets an
 * unchanged row be recognised before it is decoded or parsed: an in-memory diff then costs one pass over
 * the line. The line holds the record's key, so equal lines are the same record with the same content;
 * a line whose only change is formatting (key order, spacing) counts as changed once. A line holds no
 * newline, and a normalised row's digested text always does, so the two kinds never stand for each other.
 */
export function lineDigestInto(buf: Uint8Array, start: number, end: number, out: Uint32Array): void {
  const length = end - start;
  let h1 = 0xdeadbeef ^ length;
  let h2 = 0x41c6ce57 ^ length;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  finishInto(h1, h2, out);
}

/** {@link lineDigestInto} of a whole line, as 8 bytes. */
export function lineContent(line: Uint8Array, out: Buffer = Buffer.allocUnsafe(8)): Buffer {
  lineDigestInto(line, 0, line.length, lanes);
  out.writeUInt32BE(lanes[0]!, 0);
  out.writeUInt32BE(lanes[1]!, 4);
  return out;
}

type Row = Record<string, unknown>;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The record key a lead row coalesces under (as validation would derive it), or null when unclear. */
function leadRowKey(row: Row): string | null {
  const dedup = row.dedupEnabled === false ? { dedupEnabled: false } : {};
  if (row.Id !== undefined) return isInt(row.Id) ? leadKey({ Id: row.Id, ...dedup }) : null;
  if (row.ForeignSysPersonId !== undefined) {
    if (!isText(row.ForeignSysPersonId) || !isText(row.ForeignSysType)) return null;
    return leadKey({
      ForeignSysPersonId: row.ForeignSysPersonId,
      ForeignSysType: row.ForeignSysType as 'CUSTOM',
      ...dedup,
    });
  }
  return isText(row.Email) ? leadKey({ Email: row.Email, ...dedup }) : null;
}

/** The record key of an object row, or null when unclear. */
function mobjectRowKey(row: Row): string | null {
  if (!isText(row.type) || !isText(row.operation)) return null;
  const ek = row.externalKey as Row | undefined;
  if (row.id !== undefined && !isInt(row.id)) return null;
  if (
    ek !== undefined &&
    (typeof ek !== 'object' || ek === null || !isText(ek.name) || typeof ek.value !== 'string')
  )
    return null;
  return mobjectKey({
    type: row.type,
    operation: row.operation as ObjectOperation,
    ...(row.id !== undefined ? { id: row.id as number } : {}),
    ...(ek !== undefined ? { externalKey: { name: ek.name as string, value: ek.value as string } } : {}),
  });
}

const LEAD_FIELDS = ['Id', 'Email', 'ForeignSysPersonId', 'ForeignSysType', 'dedupEnabled'] as const;
const LEAD_FIELD_SET = new Set<string>([...LEAD_FIELDS, 'attributes']);

function tagged(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      // U+0000 and U+0001 separate the parts; a value holding one is written the slow, escaped way.
      return v.includes('\u0000') || v.includes('\u0001') ? null : `s${v}`;
    case 'number':
      return `n${v}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    default:
      return v === null ? 'z' : null;
  }
}

/** A lead row's normalised text, without the generic canonicaliser's allocations, or null. */
function leadRowText(row: Row): string | null {
  for (const k in row) if (!LEAD_FIELD_SET.has(k)) return null;
  let text = '';
  for (const k of LEAD_FIELDS) {
    if (row[k] === undefined) continue;
    const t = tagged(row[k]);
    if (t === null) return null;
    text += `${k}\u0001${t}\u0000`;
  }
  const attributes = row.attributes;
  if (attributes === undefined) return text;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return null;
  const names = Object.keys(attributes);
  if (names.length > 1) names.sort();
  text += '@';
  for (const name of names) {
    const t = tagged((attributes as Row)[name]);
    if (t === null || name.includes('\u0000') || name.includes('\u0001')) return null;
    text += `${name}\u0001${t}\u0000`;
  }
  return text;
}

/**
 * The fingerprint of a row as read from the export and the record key it coalesces under, or null
 * when the row is not a recognisable record (it is then validated, and refused or fingerprinted
 * under its validated key).
 */
export function rowFingerprint(
  kind: 'leads' | 'mobjects',
  value: unknown,
  knownKey?: string,
  /** The bytes of the NDJSON line the row was parsed from: its {@link lineContent} is the content fingerprint. */
  line?: Uint8Array,
): (Fingerprint & { key: string }) | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const row = value as Row;
  const key = (kind === 'leads' ? leadRowKey(row) : mobjectRowKey(row)) ?? knownKey ?? null;
  if (key === null) return null;
  const both = Buffer.allocUnsafe(16);
  digest64(key, both.subarray(0, 8));
  if (line !== undefined) lineContent(line, both.subarray(8, 16));
  else {
    const text = (kind === 'leads' ? leadRowText(row) : null) ?? canonicalJson(row);
    digest64(`${key}\n${text}`, both.subarray(8, 16));
  }
  return { key, keyDigest: both.subarray(0, 8), content: both.subarray(8, 16) };
}
