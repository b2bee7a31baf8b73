import type { RestField } from './describe.js';

/** JSON values REST receives. */
export type RestValue = string | number | boolean | null;

/**
 * The buffer keeps every value as the text SOAP sends; REST takes JSON types. A text that reads as the
 * field's declared type is sent as that type; an empty text clears the field (null); anything else is
 * sent as text for Marketo to judge (it answers 1001 for a mismatch, per record).
 */
export function restValue(text: string, field: Pick<RestField, 'dataType'>): RestValue {
  if (text === '') return null;
  switch (field.dataType) {
    case 'integer':
      return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
    case 'float':
    case 'currency':
    case 'percent':
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) && Number.isFinite(Number(text))
        ? Number(text)
        : text;
    case 'boolean':
      return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
    default:
      return text;
  }
}
