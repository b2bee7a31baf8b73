import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  createFieldFaultCounter,
  MAX_FIELD_LABEL_LENGTH,
  MAX_FIELD_LABELS,
  OTHER_FIELDS,
} from '../../src/metrics/field-fault-metric.js';

async function series(registry: Registry): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric('mktsync_field_rejected_records_total')!.get();
  return new Map(metric.values.map((v) => [String(v.labels.field), v.value]));
}

describe('mktsync_field_rejected_records_total', () => {
  it('counts records per field', async () => {
    const registry = new Registry();
    const counter = createFieldFaultCounter(registry);
    counter.count('pants');
    counter.count('pants', 299);
    counter.count('shirt');
    expect(Object.fromEntries(await series(registry))).toEqual({ pants: 300, shirt: 1 });
  });

  it('bounds the label set against hostile names: cut, no control characters, the rest folded into one', async () => {
    const registry = new Registry();
    const counter = createFieldFaultCounter(registry);
    counter.count(`long_${'x'.repeat(1000)}`);
    counter.count('bad\nname\u0000"');
    for (let i = 0; i < 100; i++) counter.count(`f${i}`);
    const values = await series(registry);
    expect(values.size).toBe(MAX_FIELD_LABELS + 1);
    expect(values.get(OTHER_FIELDS)).toBe(102 - MAX_FIELD_LABELS);
    for (const label of values.keys()) {
      expect(label.length).toBeLessThanOrEqual(MAX_FIELD_LABEL_LENGTH);
      // eslint-disable-next-line no-control-regex
      expect(label).not.toMatch(/[\u0000-\u001f]/);
    }
    expect(values.get('bad?name?"')).toBe(1);
    // A field already seen keeps its own series after the cap is reached.
    counter.count('f0');
    expect((await series(registry)).get('f0')).toBe(2);
  });
});
