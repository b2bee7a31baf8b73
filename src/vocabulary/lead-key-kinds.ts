/** The key a lead is matched by, in precedence order: Id, then ForeignSysPersonId, then Email. */
export const LEAD_KEY_KINDS = ['Id', 'ForeignSysPersonId', 'Email'] as const;
export type LeadKeyKind = (typeof LEAD_KEY_KINDS)[number];

/** The lead key kind `text` names, or undefined. */
export function parseLeadKeyKind(text: string): LeadKeyKind | undefined {
  return LEAD_KEY_KINDS.find((k) => k === text);
}

/** The keys a lead may carry (it may hold more). */
export interface LeadKeys {
  Id?: number | undefined;
  ForeignSysPersonId?: string | undefined;
  Email?: string | undefined;
}

/** The highest-precedence key `lead` carries, or undefined when it carries none. */
export function leadKeyKindOf<L extends LeadKeys>(lead: L): LeadKeyKind | undefined {
  return LEAD_KEY_KINDS.find((k) => lead[k] !== undefined);
}
