import { Counter, type Registry } from 'prom-client';

/** Distinct `field` label values one process reports; later names are counted under {@link OTHER_FIELDS}. */
export const MAX_FIELD_LABELS = 20;
/** The label value of every field beyond the first {@link MAX_FIELD_LABELS}. */
export const OTHER_FIELDS = '_other';
/** Longest label value; a longer name is cut. */
export const MAX_FIELD_LABEL_LENGTH = 64;

/** Records failed because Marketo refused a field they carry, labelled by the field. */
export interface FieldFaultCounter {
  count(field: string, records?: number): void;
}

/**
 * `mktsync_field_rejected_records_total{field}`. The field name comes from Marketo's answer, so the
 * label set is bounded: names are cut to {@link MAX_FIELD_LABEL_LENGTH} characters without control
 * characters, and past {@link MAX_FIELD_LABELS} distinct names the rest share one series.
 */
export function createFieldFaultCounter(registry: Registry): FieldFaultCounter {
  const counter = new Counter({
    name: 'mktsync_field_rejected_records_total',
    help: `Records dead-lettered because Marketo refused a field they carry (a bad mapping), by field; at most ${MAX_FIELD_LABELS} names, the rest as "${OTHER_FIELDS}".`,
    labelNames: ['field'] as const,
    registers: [registry],
  });
  const seen = new Set<string>();
  return {
    count(field, records = 1) {
      // eslint-disable-next-line no-control-regex
      let label = field.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, MAX_FIELD_LABEL_LENGTH);
      if (!seen.has(label)) {
        if (seen.size >= MAX_FIELD_LABELS) label = OTHER_FIELDS;
        else seen.add(label);
      }
      counter.inc({ field: label }, records);
    },
  };
}
