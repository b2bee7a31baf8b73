import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const METRICS = resolve(import.meta.dirname, '../../src/metrics');

describe('src/metrics depends only downward', () => {
  it('imports nothing from the worker (the worker observes through the metrics, not the reverse)', () => {
    const files = readdirSync(METRICS).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    const upward = files.flatMap((name) =>
      [
        ...readFileSync(join(METRICS, name), 'utf8').matchAll(
          /from '(\.\.\/(?:worker|cli|producer)\/[^']+)'/g,
        ),
      ].map((m) => `${name}: ${m[1]}`),
    );
    expect(upward).toEqual([]);
  });
});
