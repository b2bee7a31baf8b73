import { STANDARD_LEAD_FIELDS } from '../seed.js';

/**
 * The lead fields of the emulated instance with both names, REST (`firstName`) and SOAP (`FirstName`),
 * and a data type, as Describe Leads answers them. The lead store keeps SOAP names, so that the state
 * API shows one vocabulary whichever transport wrote a lead.
 */

export type LeadDataType =
  'integer' | 'email' | 'string' | 'text' | 'phone' | 'url' | 'boolean' | 'currency' | 'float' | 'date';

export interface LeadField {
  id: number;
  rest: string;
  soap: string;
  displayName: string;
  dataType: LeadDataType;
  length?: number;
  readOnly: boolean;
  custom: boolean;
}

/** REST names that are not simply the SOAP name with a lowercase first letter. */
const REST_NAME_EXCEPTIONS: Readonly<Record<string, string>> = {
  DateofBirth: 'dateOfBirth',
  SICCode: 'sicCode',
  AnonymousIP: 'anonymousIP',
};

const DATA_TYPES: Readonly<Record<string, LeadDataType>> = {
  Email: 'email',
  Phone: 'phone',
  MobilePhone: 'phone',
  MainPhone: 'phone',
  Fax: 'phone',
  Website: 'url',
  Address: 'text',
  UnsubscribedReason: 'text',
  NumberOfEmployees: 'integer',
  LeadScore: 'integer',
  Priority: 'integer',
  RelativeScore: 'integer',
  Urgency: 'float',
  AnnualRevenue: 'currency',
  Unsubscribed: 'boolean',
  DoNotCall: 'boolean',
  DateofBirth: 'date',
};

function restNameOf(soap: string): string {
  return REST_NAME_EXCEPTIONS[soap] ?? soap.charAt(0).toLowerCase() + soap.slice(1);
}

function displayNameOf(soap: string): string {
  return soap.replace(/([a-z])([A-Z])/g, '$1 $2');
}

/** Lead fields by REST and by SOAP name, built from the standard fields and the seed's custom fields. */
export class LeadFieldCatalogue {
  readonly fields: readonly LeadField[];
  readonly #byRest = new Map<string, LeadField>();

  constructor(customLeadFields: readonly string[]) {
    const fields: LeadField[] = [
      {
        id: 1,
        rest: 'id',
        soap: 'Id',
        displayName: 'Id',
        dataType: 'integer',
        readOnly: true,
        custom: false,
      },
    ];
    for (const soap of STANDARD_LEAD_FIELDS) {
      const dataType = DATA_TYPES[soap] ?? 'string';
      const field: LeadField = {
        id: fields.length + 1,
        rest: restNameOf(soap),
        soap,
        displayName: displayNameOf(soap),
        dataType,
        readOnly: false,
        custom: false,
      };
      if (dataType === 'string' || dataType === 'email' || dataType === 'phone' || dataType === 'url')
        field.length = 255;
      fields.push(field);
    }
    for (const name of customLeadFields) {
      if (fields.some((f) => f.rest === name || f.soap === name)) continue;
      fields.push({
        id: fields.length + 1,
        rest: name,
        soap: name,
        displayName: name,
        dataType: 'string',
        length: 255,
        readOnly: false,
        custom: true,
      });
    }
    this.fields = fields;
    for (const f of fields) this.#byRest.set(f.rest, f);
  }

  byRestName(name: string): LeadField | undefined {
    return this.#byRest.get(name);
  }

  /**
   * Whether a field can be Sync Leads' `lookupField`: `id`, `email` and custom fields can; other
   * standard fields (`firstName`) cannot (1011). Adobe does not list the set; this mirrors the fields
   * Get Leads by Filter Type accepts.
   */
  isLookupField(field: LeadField): boolean {
    return field.rest === 'id' || field.rest === 'email' || field.custom;
  }
}

/** A JSON value as a stored text, or the reason it does not fit the field's type. */
export function leadValueText(field: LeadField, value: unknown): { text: string | null } | { error: string } {
  if (value === null) return { text: null };
  const bad = (): { error: string } => ({
    error: `Invalid value '${String(typeof value === 'object' ? JSON.stringify(value) : value).slice(0, 100)}'. Required of type '${field.dataType}'`,
  });
  if (typeof value === 'object') return bad();
  const text = String(value);
  switch (field.dataType) {
    case 'integer':
      return /^-?\d{1,10}$/.test(text) ? { text } : bad();
    case 'float':
    case 'currency':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? { text } : bad();
    case 'boolean':
      return ['true', 'false', '1', '0'].includes(text.toLowerCase()) ? { text } : bad();
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? { text } : bad();
    case 'email':
      // Adobe: "only ASCII characters are supported in the email address field".
      return /^[\x20-\x7e]*$/.test(text) ? { text } : bad();
    default:
      return { text };
  }
}
