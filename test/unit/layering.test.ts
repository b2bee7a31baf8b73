import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forbidden, importEdges, loops, partGraph, partOf } from '../helpers/import-graph.js';

const SRC = resolve(import.meta.dirname, '../../src');

/** Leaf utilities every layer may use: they import nothing of the project (`redis` only `log`, `safe-url`). */
const UTILITIES = ['bounded-text', 'html-text', 'safe-url', 'log', 'redis'] as const;

/**
 * Which part of `src/` may import which, lowest layer first. A part imports only parts listed before
 * it; the test below checks that this list is itself a layering (no loop), so an entry that names a
 * later part fails here. The wire knowledge (soap/, rest/) is reached only through `transport` and the
 * registry in `wire`, except where a line says otherwise.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // The closed lists: imports nothing of the project.
  vocabulary: [],
  'bounded-text': [],
  'html-text': [],
  'safe-url': [],
  log: [],
  redis: ['log', 'safe-url'],
  // The only part that reads the environment.
  config: ['vocabulary'],
  // The buffer's record shapes and its Redis store.
  buffer: ['vocabulary', 'bounded-text'],
  // The transport contract: what any wire takes and answers.
  transport: ['vocabulary', 'buffer', 'bounded-text'],
  // The two wires.
  soap: ['vocabulary', 'buffer', 'transport', 'bounded-text'],
  rest: ['vocabulary', 'buffer', 'transport', 'bounded-text', 'safe-url'],
  // The input formats (they still take the lead shape from soap/types.ts).
  model: ['vocabulary', 'buffer', 'transport', 'soap'],
  // Prometheus metrics: fed reports in neutral terms, never the wires or the worker.
  metrics: ['vocabulary', 'buffer', 'transport', 'model'],
  // The registry of wires: settings in, a Transport out.
  wire: ['vocabulary', 'config', 'transport', 'soap', 'rest', 'metrics', ...UTILITIES],
  // Intake (REST's intake rules from rest/; the closed lists from the vocabulary, not from soap/).
  producer: ['vocabulary', 'config', 'buffer', 'transport', 'rest', 'model', 'metrics', ...UTILITIES],
  // Reconciliation of exports: diffs and hands changes to the producer.
  reconcile: ['vocabulary', 'config', 'buffer', 'transport', 'model', 'metrics', 'producer', ...UTILITIES],
  // The worker: claims, sends through the Transport it gets from the registry, settles; runs reconciles.
  worker: [
    'vocabulary',
    'config',
    'buffer',
    'transport',
    'model',
    'metrics',
    'wire',
    'producer',
    'reconcile',
    ...UTILITIES,
  ],
  // The operator console (reads the buffer, reconcile state and metrics).
  console: ['vocabulary', 'config', 'buffer', 'model', 'metrics', 'producer', 'reconcile', ...UTILITIES],
  // The built-in Marketo: speaks both wires, so it may read their formats.
  emulator: ['vocabulary', 'transport', 'soap', 'rest', 'model', ...UTILITIES],
  // The demo's pieces: a private Redis, the emulator, a stream of changes.
  demo: [
    'vocabulary',
    'config',
    'buffer',
    'transport',
    'model',
    'metrics',
    'wire',
    'producer',
    'reconcile',
    'worker',
    'emulator',
    ...UTILITIES,
  ],
};
const BELOW_ENTRY_POINTS = Object.keys(ALLOWED);
// The command line and the library's entry point may import every part below them, not each other.
const ALLOWED_WITH_ENTRIES: Readonly<Record<string, readonly string[]>> = {
  ...ALLOWED,
  cli: BELOW_ENTRY_POINTS,
  index: BELOW_ENTRY_POINTS,
};

describe('the checks of the layering test themselves', () => {
  it('find a loop and an import the allow-list does not permit', () => {
    const graph = partGraph([
      { from: 'a/x.ts', to: 'b/y.ts' },
      { from: 'b/y.ts', to: 'c.ts' },
      { from: 'c.ts', to: 'a/z.ts' },
      { from: 'a/x.ts', to: 'a/z.ts' },
    ]);
    expect(loops(new Map([...graph].map(([k, v]) => [k, v.keys()])))).toEqual([['a', 'b', 'c']]);
    expect(forbidden(graph, { a: ['b'], b: ['c'], c: [] })).toEqual(['c may not import a: c.ts → a/z.ts']);
    expect(partOf('config.ts')).toBe('config');
    expect(partOf('config/worker-settings.ts')).toBe('config');
  });
});

describe('src/ is layered: no upward import, no loop', () => {
  const edges = importEdges(SRC);
  const graph = partGraph(edges);

  it('reads the imports of every part, type-only ones included', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(graph.get('metrics')?.has('transport')).toBe(true);
  });

  it('lists every part of src/ in the allow-list', () => {
    const parts = readdirSync(SRC).map((name) => name.replace(/\.ts$/, ''));
    const unlisted = [...new Set(parts)].filter((part) => !(part in ALLOWED_WITH_ENTRIES));
    expect(unlisted, 'a new part of src/ needs its line in ALLOWED').toEqual([]);
  });

  it('the allow-list is itself a layering (no part may reach itself)', () => {
    const allowed = new Map(Object.entries(ALLOWED_WITH_ENTRIES).map(([k, v]) => [k, v] as const));
    expect(loops(allowed)).toEqual([]);
    const unknown = Object.values(ALLOWED_WITH_ENTRIES)
      .flat()
      .filter((part) => !(part in ALLOWED_WITH_ENTRIES));
    expect(unknown).toEqual([]);
  });

  it('every import between parts is one the allow-list permits', () => {
    expect(forbidden(graph, ALLOWED_WITH_ENTRIES)).toEqual([]);
  });

  it('the parts form no loop', () => {
    expect(loops(new Map([...graph].map(([part, targets]) => [part, targets.keys()])))).toEqual([]);
  });

  it('the files form no loop (type-only imports included)', () => {
    const files = new Map<string, string[]>();
    for (const { from, to } of edges) files.set(from, [...(files.get(from) ?? []), to]);
    expect(loops(files)).toEqual([]);
  });

  it('the vocabulary imports nothing of the project', () => {
    expect(existsSync(resolve(SRC, 'vocabulary'))).toBe(true);
    expect([...(graph.get('vocabulary')?.keys() ?? [])]).toEqual([]);
  });
});
