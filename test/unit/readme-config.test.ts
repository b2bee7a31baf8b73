import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_SCHEMAS, REST_WORKER_DEFAULTS } from '../../src/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VARIABLE = /^(?:MKTSYNC|MARKETO|REDIS)_[A-Z0-9_]+$/;

/** Every variable the config reads, with its default as text (undefined when it has none or it is read directly). */
function configVariables(): Map<string, string | undefined> {
  const variables = new Map<string, string | undefined>();
  for (const schema of Object.values(ENV_SCHEMAS)) {
    for (const [name, field] of Object.entries(schema.shape)) {
      const parsed = (field as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(
        undefined,
      );
      variables.set(name, parsed.success && parsed.data !== undefined ? String(parsed.data) : undefined);
    }
  }
  // Read directly, outside a schema: `env.NAME` or `env['NAME']` (src/config.ts and its files in
  // src/config/ are the one module that reads env).
  const source = [
    resolve(ROOT, 'src/config.ts'),
    ...readdirSync(resolve(ROOT, 'src/config'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => resolve(ROOT, 'src/config', name)),
  ]
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  for (const m of source.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) {
    if (!variables.has(m[1]!)) variables.set(m[1]!, undefined);
  }
  return variables;
}

/**
 * Defaults applied outside the schemas, where a missing variable is handed on as undefined: the
 * README states them, and the test checks the code that applies them says the same.
 */
const APPLIED_ELSEWHERE: Readonly<Record<string, { file: string; value: string }>> = {
  REDIS_URL: { file: 'src/redis.ts', value: 'redis://127.0.0.1:6379' },
};

interface Row {
  names: string[];
  /** The default cell split like the names (`a` / `b`). */
  defaults: string[];
  /** The whole row, for the defaults over REST. */
  text: string;
}

/** The rows of README's configuration table (the table whose header starts with `| variable`). */
function readmeRows(readme: string): Row[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => /^\|\s*variable\s*\|/.test(l));
  if (start < 0)
    throw new Error('README.md has no configuration table (a header "| variable | default | meaning |")');
  const rows: Row[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [first = '', second = ''] = line.split(/(?<!\\)\|/).slice(1, 3);
    const names = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((n) => VARIABLE.test(n));
    const defaults = second.trim() === '' ? [] : second.split(' / ').map((d) => d.trim());
    rows.push({ names, defaults, text: line });
  }
  return rows;
}

/** What the README's table gets wrong about src/config.ts; empty when it is right. */
function problems(readme: string): string[] {
  const variables = configVariables();
  const found: string[] = [];
  const listed = new Map<string, { documented: string | undefined; row: Row }>();
  for (const row of readmeRows(readme)) {
    if (row.names.length === 0) found.push(`a README row names no variable: ${row.text}`);
    row.names.forEach((name, i) => {
      const documented =
        row.defaults.length === row.names.length ? row.defaults[i] : row.defaults.join(' / ') || undefined;
      listed.set(name, { documented, row });
    });
  }
  for (const [name, schemaDefault] of variables) {
    const entry = listed.get(name);
    if (!entry) {
      found.push(`${name} is read by src/config.ts but missing from the README configuration table`);
      continue;
    }
    // The documented default is the value in backticks that opens the cell (text like "3 × the body limit" is none).
    const literal = entry.documented === undefined ? undefined : /^`([^`]*)`/.exec(entry.documented)?.[1];
    const elsewhere = APPLIED_ELSEWHERE[name];
    const expected =
      schemaDefault ??
      (elsewhere && readFileSync(resolve(ROOT, elsewhere.file), 'utf8').includes(`'${elsewhere.value}'`)
        ? elsewhere.value
        : undefined);
    if (!inSchema(name)) continue;
    if (expected !== undefined && literal !== expected)
      found.push(
        `${name}: README says the default is ${entry.documented ?? '(none)'}, src/config.ts says \`${expected}\``,
      );
    if (expected === undefined && literal !== undefined)
      found.push(`${name}: README gives the default \`${literal}\`, src/config.ts has none`);
    const rest = REST_WORKER_DEFAULTS[name];
    if (rest !== undefined && !entry.row.text.includes(`REST \`${rest}\``))
      found.push(`${name}: README does not say REST \`${rest}\`, its default over REST`);
  }
  for (const name of listed.keys())
    if (!variables.has(name))
      found.push(`${name} is in the README configuration table but src/config.ts does not read it`);
  return found;
}

function inSchema(name: string): boolean {
  return Object.values(ENV_SCHEMAS).some((schema) => name in schema.shape);
}

const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

describe("README's configuration table matches src/config.ts", () => {
  it('lists every variable the config reads, nothing else, with the schema defaults', () => {
    expect(configVariables().size).toBeGreaterThan(30);
    expect(problems(readme)).toEqual([]);
  });

  it('fails when a row is removed, a variable is invented, or a default drifts', () => {
    const without = readme
      .split('\n')
      .filter((l) => !l.startsWith('| `MKTSYNC_LINGER_MS`'))
      .join('\n');
    expect(problems(without)).toEqual([
      'MKTSYNC_LINGER_MS is read by src/config.ts but missing from the README configuration table',
    ]);
    const invented = readme.replace(
      /^(\| `MKTSYNC_LINGER_MS`)/m,
      '| `MKTSYNC_NOT_A_SETTING` | `1` | nothing |\n$1',
    );
    expect(problems(invented)).toEqual([
      'MKTSYNC_NOT_A_SETTING is in the README configuration table but src/config.ts does not read it',
    ]);
    const drifted = readme.replace(/^(\| `MKTSYNC_LINGER_MS`\s*\| )`2000`/m, '$1`3000`');
    expect(drifted).not.toBe(readme);
    expect(problems(drifted)).toEqual([
      'MKTSYNC_LINGER_MS: README says the default is `3000`, src/config.ts says `2000`',
    ]);
    const restDrifted = readme.replace('REST `150000`', 'REST `160000`');
    expect(restDrifted).not.toBe(readme);
    expect(problems(restDrifted)).toEqual([
      'MKTSYNC_LEASE_MS: README does not say REST `150000`, its default over REST',
    ]);
  });
});
