import { describe, expect, it } from 'vitest';
import { WORKER_HEAP_GROWING_PERCENT, workerHeapFlag } from '../../src/cli/worker-heap.js';

describe('the worker heap sizing', () => {
  const ours = `--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`;

  it('sets the growing factor when the process was started without one', () => {
    expect(workerHeapFlag([])).toBe(ours);
    expect(workerHeapFlag(['--enable-source-maps', '--max-old-space-size=128'])).toBe(ours);
  });

  it("leaves an operator's own choice on node's command line alone", () => {
    expect(workerHeapFlag(['--max-old-space-size=128', '--heap-growing-percent=50'])).toBeUndefined();
    expect(workerHeapFlag(['--heap_growing_percent=35'])).toBeUndefined();
    expect(workerHeapFlag(['--heap-growing-percent', '35'])).toBeUndefined();
  });

  it('does not take a longer flag of the same prefix for it', () => {
    expect(workerHeapFlag(['--heap-growing-percentage=5'])).toBe(ours);
  });
});
