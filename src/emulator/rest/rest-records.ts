import type { RecordRule } from '../config.js';
import { applyRecordRules } from '../fault-injection.js';
import type { ReceivedLead, ReceivedMObject } from '../request-reader.js';
import { RestCallError, type RestReason } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';

/**
 * What Sync Leads, Sync Opportunities and Sync Opportunity Roles share: reading the call's parameters
 * and `input`, and fault-injection record rules in REST terms.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, quoted rendering of a value for a message (bounded, whatever was sent). */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `'${(text ?? String(value)).slice(0, 100)}'`;
}

/** A name taken from a request (a field, a lookup field, a partition), bounded for a message. */
export function named(name: string): string {
  return `'${name.length > 100 ? `${name.slice(0, 100)}…` : name}'`;
}

/** An optional string parameter, or 1003 naming it. */
export function stringParam(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new RestCallError(1003, `Invalid value ${shown(value)} for ${name}: must be a string`);
  return value;
}

/** An optional enumerated parameter with a default, or 1003 naming it and the allowed values. */
export function enumParam<T extends string>(
  body: JsonObject,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = stringParam(body, name);
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    throw new RestCallError(
      1003,
      `Invalid value ${shown(value)} for ${name}: must be one of ${allowed.join(', ')}`,
    );
  return value as T;
}

/** The `input` array: 701 when missing or empty, 1003 when not an array or (by default) over `maxRecords`. */
export function inputParam(body: JsonObject, rest: RestConfig): unknown[] {
  const input = body.input;
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0))
    throw new RestCallError(701, 'input cannot be blank');
  if (!Array.isArray(input))
    throw new RestCallError(1003, 'Invalid value for input: must be an array of records');
  if (input.length > rest.maxRecords && rest.oversize === 'refuse')
    throw new RestCallError(
      1003,
      `Batch size ${input.length} exceeds the maximum of ${rest.maxRecords} records`,
    );
  return input;
}

/** Reads a record rule's verdict back as REST codes: SOAP-range codes become 1003 (record) or 709 (call). */
export function restRuleVerdict(
  rules: RecordRule[],
  records: readonly (ReceivedLead | ReceivedMObject)[],
  isLead: boolean,
): Map<number, RestReason> {
  const verdict = applyRecordRules(rules, records, isLead);
  if (verdict.fault) {
    const code = verdict.fault.code < 1000 || verdict.fault.code >= 10_000 ? 709 : verdict.fault.code;
    throw new RestCallError(code, verdict.fault.detail);
  }
  const failures = new Map<number, RestReason>();
  for (const [index, text] of verdict.failures) {
    const match = /^(\d+) - ([\s\S]*)$/.exec(text);
    const code = match ? Number(match[1]) : 1003;
    failures.set(index, {
      code: String(code >= 1000 && code < 2000 ? code : 1003),
      message: match ? match[2]! : text,
    });
  }
  return failures;
}

/**
 * A REST object record as the SOAP-shaped record rules (fault injection) see it: its dedupe key (when
 * a string or number) as the external key, every field as an attribute (objects and null as '').
 */
export function receivedObject(type: string, keyName: string, record: unknown): ReceivedMObject {
  const object: ReceivedMObject = { type, attributes: [], typeAttributes: [], associations: [] };
  if (!isJsonObject(record)) return object;
  const key = record[keyName];
  if (typeof key === 'string' || typeof key === 'number')
    object.externalKey = { name: keyName, value: String(key) };
  for (const [name, value] of Object.entries(record))
    object.attributes.push({ name, value: value === null || typeof value === 'object' ? '' : String(value) });
  return object;
}
