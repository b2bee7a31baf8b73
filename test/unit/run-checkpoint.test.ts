import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/reconcile/run-checkpoint.js';

describe('a reconcile run checkpoint read from its hash', () => {
  it('is null before the run started (no stamp)', () => {
    expect(parseCheckpoint({})).toBeNull();
    expect(parseCheckpoint({ line: '5' })).toBeNull();
  });

  it('reads a fresh start: counters at 0, nothing decided yet', () => {
    expect(
      parseCheckpoint({
        stamp: '3',
        line: '0',
        startedAt: '1000',
        resumed: '0',
        confirmed: '0',
        failed: '0',
      }),
    ).toEqual({
      stamp: 3,
      startedAt: 1000,
      resumed: 0,
      line: 0,
      counters: { read: 0, unchanged: 0, changed: 0, new: 0, refused: 0, enqueued: 0 },
      readDone: false,
      finalized: false,
    });
  });

  it('reads a run part-way: its line, counters, diff, source identity and absent count', () => {
    const checkpoint = parseCheckpoint({
      stamp: '7',
      line: '20000',
      startedAt: '5',
      resumed: '2',
      read: '20000',
      unchanged: '19000',
      changed: '600',
      new: '300',
      refused: '100',
      enqueued: '900',
      diff: 'memory',
      identity: 'size=1;mtime=2',
      absent: '0',
      read_done: '1',
    });
    expect(checkpoint).toMatchObject({
      line: 20000,
      resumed: 2,
      counters: { read: 20000, unchanged: 19000, changed: 600, new: 300, refused: 100, enqueued: 900 },
      diff: 'memory',
      identity: 'size=1;mtime=2',
      absent: 0,
      readDone: true,
      finalized: false,
    });
  });

  it('ignores a diff it does not know and reads a finalized run with its summary', () => {
    const checkpoint = parseCheckpoint({
      stamp: '1',
      line: '2',
      startedAt: '0',
      diff: 'disk',
      finalized: '1',
      summary: JSON.stringify({ run: 'r1', read: 2 }),
    });
    expect(checkpoint?.diff).toBeUndefined();
    expect(checkpoint?.finalized).toBe(true);
    expect(checkpoint?.summary).toMatchObject({ run: 'r1', read: 2 });
  });
});
