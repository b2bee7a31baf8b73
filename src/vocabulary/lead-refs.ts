import { LEAD_KEY_KINDS, type LeadKeyKind } from './lead-key-kinds.js';

/**
 * A lead named by a record that hangs on it (a custom activity, a list or program membership, a custom
 * object linked to a lead): by Marketo's id, or by one of the keys a lead change uses. Exactly one key.
 */
export type LeadRef =
  { readonly Id: number } | { readonly Email: string } | { readonly ForeignSysPersonId: string };

/** Longest key text a reference may carry (Marketo's Email field is 255 characters). */
export const MAX_LEAD_REF_TEXT = 255;

/** The key kind `ref` names its lead by. */
export function leadRefKind(ref: LeadRef): LeadKeyKind {
  return LEAD_KEY_KINDS.find((k) => k in ref)!;
}

/** The value of `ref`'s key. */
export function leadRefValue(ref: LeadRef): number | string {
  return (ref as Record<LeadKeyKind, number | string>)[leadRefKind(ref)];
}

/**
 * `ref` as text for record keys and messages: `Id:42`, `Email:ann@example.com`,
 * `ForeignSysPersonId:P-1`. An email is lower-cased, as Marketo matches emails without case.
 */
export function leadRefText(ref: LeadRef): string {
  const kind = leadRefKind(ref);
  const value = leadRefValue(ref);
  return `${kind}:${kind === 'Email' ? String(value).toLowerCase() : String(value)}`;
}

/**
 * Reads a lead reference from outside (`{"Id": 42}`, `{"Email": "…"}`, `{"ForeignSysPersonId": "…"}`).
 * Returns the reference, or why it is refused (the caller names the field, e.g. `lead`).
 */
export function parseLeadRef(value: unknown): LeadRef | { problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'must be an object naming the lead by Id, Email or ForeignSysPersonId' };
  const keys = Object.keys(value);
  if (keys.length !== 1 || !LEAD_KEY_KINDS.includes(keys[0] as LeadKeyKind))
    return {
      problem: `must carry exactly one of ${LEAD_KEY_KINDS.join(', ')} (has ${keys.join(', ') || 'none'})`,
    };
  const kind = keys[0] as LeadKeyKind;
  const v = (value as Record<string, unknown>)[kind];
  if (kind === 'Id') {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
      return { problem: 'Id must be a positive integer' };
    return { Id: v };
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_LEAD_REF_TEXT)
    return { problem: `${kind} must be a text of 1 to ${MAX_LEAD_REF_TEXT} characters` };
  return kind === 'Email' ? { Email: v } : { ForeignSysPersonId: v };
}
