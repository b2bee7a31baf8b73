/**
 * The value of the sample `name{labels}` in a Prometheus exposition, whatever the order of its labels
 * (prom-client puts default labels first in histograms and last elsewhere). `labels` is written as in
 * the exposition: `a="x",b="y"`. Throws, showing the exposition, when there is no such sample.
 */
export function sample(text: string, name: string, labels = ''): number {
  const want = labelSet(labels);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = labelSet(m[2] ?? '');
    if (have.size === want.size && [...want].every((l) => have.has(l))) return Number(m[3]);
  }
  throw new Error(`no sample ${name}{${labels}} in:\n${text.slice(0, 2000)}`);
}

function labelSet(labels: string): Set<string> {
  return new Set(labels.match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []);
}
