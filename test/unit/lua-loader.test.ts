import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUFFER_SCRIPTS } from '../../src/buffer/buffer-scripts.js';
import { luaScript, luaSource } from '../../src/buffer/lua-loader.js';
import { RECONCILE_SCRIPTS } from '../../src/reconcile/reconcile-scripts.js';
import { BATCH_GROUPS } from '../../src/vocabulary/batch-groups.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPTS = [...BUFFER_SCRIPTS, ...RECONCILE_SCRIPTS];

describe('the Lua loader', () => {
  it('finds every script, resolves its includes and generated tables, and each file has a KEYS/ARGV header', () => {
    expect(SCRIPTS).toHaveLength(16);
    expect(new Set(SCRIPTS.map((s) => s.command)).size).toBe(SCRIPTS.length);
    for (const script of SCRIPTS) {
      const file = fileURLToPath(script.file);
      const header = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('--'));
      expect(
        header.some((l) => l.includes('KEYS')),
        file,
      ).toBe(true);
      expect(
        header.some((l) => l.includes('ARGV')),
        file,
      ).toBe(true);
      const source = luaSource(script.file);
      expect(source, file).not.toMatch(/^--- @/m);
    }
    // The buffer's scripts carry every group of the vocabulary.
    const claim = luaSource(BUFFER_SCRIPTS.find((s) => s.command === 'mktClaim')!.file);
    for (const group of BATCH_GROUPS) expect(claim).toContain(`['${group}'] = true`);
  });

  it('is the one way Lua runs: no module of src/ holds a script of its own (the console’s resolve included)', () => {
    const holders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && /redis\.call\(/.test(readFileSync(path, 'utf8')))
          holders.push(relative(ROOT, path));
      }
    };
    walk(join(ROOT, 'src'));
    expect(holders).toEqual([]);
  });

  it('names the file when a script is missing', () => {
    const missing = luaScript('mktNothing', new URL('./lua/', import.meta.url), 'nothing');
    expect(() => luaSource(missing.file)).toThrow(/Lua script .*nothing\.lua cannot be read/);
  });

  it('is found by the built modules too: the build copies every script beside them', () => {
    const out = mkdtempSync(join(tmpdir(), 'mktsync-lua-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts/copy-lua.mjs'), join(ROOT, 'src'), out]);
      for (const script of SCRIPTS) {
        // The module that lists a script looks for it at the same path under dist/ as under src/.
        const path = relative(join(ROOT, 'src'), fileURLToPath(script.file));
        expect(existsSync(join(out, path)), path).toBe(true);
      }
      expect(existsSync(join(out, 'buffer/lua/common.lua'))).toBe(true);
      const build = (
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }
      ).scripts.build;
      expect(build).toContain('scripts/copy-lua.mjs src dist');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
