import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The relative imports of a source tree, for the layering test: every `import … from`, `import type`,
 * `export … from`, side-effect `import '…'` and dynamic `import('…')` counts, type-only ones included.
 */

/** One import: the importing file and the imported one, both relative to the root. */
export interface ImportEdge {
  from: string;
  to: string;
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import between the `.ts` files under `root`. */
export function importEdges(root: string): ImportEdge[] {
  return sourceFiles(root).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({
      from: relative(root, file),
      to: relative(root, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))),
    })),
  );
}

/**
 * The part of `src/` a file belongs to: its folder (`worker/sender.ts` → `worker`), or its name for a
 * top-level file (`log.ts` → `log`). `config.ts` and `config/` are one part.
 */
export function partOf(path: string): string {
  const [first = ''] = path.split(sep);
  return first.replace(/\.ts$/, '');
}

/** The edges between parts, each with the imports that make it. */
export function partGraph(edges: readonly ImportEdge[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const { from, to } of edges) {
    const a = partOf(from);
    const b = partOf(to);
    const targets = graph.get(a) ?? new Map<string, string[]>();
    graph.set(a, targets);
    if (a === b) continue;
    targets.set(b, [...(targets.get(b) ?? []), `${from} → ${to}`]);
  }
  return graph;
}

/** The strongly connected components of more than one node (the loops), by Tarjan's algorithm. */
export function loops(graph: ReadonlyMap<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The imports between parts that `allowed` does not permit, as `a → b: file → file`. */
export function forbidden(
  graph: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  allowed: Readonly<Record<string, readonly string[]>>,
): string[] {
  return [...graph].flatMap(([a, targets]) =>
    [...targets]
      .filter(([b]) => !(allowed[a] ?? []).includes(b))
      .map(([b, imports]) => `${a} may not import ${b}: ${imports.join(', ')}`),
  );
}
