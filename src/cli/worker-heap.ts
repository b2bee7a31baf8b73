import v8 from 'node:v8';

/**
 * How far V8 lets the worker's old generation grow past what the last full collection kept, in
 * percent. V8's own choice goes up to 4× the live data when collecting is cheap, and a worker
 * draining a backlog makes much short-lived garbage: its peak RSS was 225–250 MB for ~30 MB of live
 * data. At 20% the heap stays near the live data (peak RSS ~170 MB on the same million-change drain,
 * no slower); see docs/benchmarks.md.
 */
export const WORKER_HEAP_GROWING_PERCENT = 20;

/** The V8 flag, in both spellings node accepts on its command line (NODE_OPTIONS refuses it). */
const HEAP_FLAGS = ['--heap-growing-percent', '--heap_growing_percent'] as const;

/**
 * The V8 flag the worker sets for itself, or undefined when node was started with its own
 * (`node --heap-growing-percent=N bin/mktsync.js worker`). A `--max-old-space-size` cap, from
 * NODE_OPTIONS or the command line, still applies beside it.
 */
export function workerHeapFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((arg) => HEAP_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`))))
    return undefined;
  return `--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`;
}

/**
 * Applies {@link workerHeapFlag} to this process. V8 reads the growing factor at every full
 * collection, so setting it once the process runs takes effect from the next one.
 */
export function applyWorkerHeapSizing(): string | undefined {
  const flag = workerHeapFlag(process.execArgv);
  if (flag !== undefined) v8.setFlagsFromString(flag);
  return flag;
}
