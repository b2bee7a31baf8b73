import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readRecordStream } from '../../src/producer/file-records.js';

describe('readRecordStream over CSV', () => {
  it(
    'rejects with the input’s error even when the input fails before the rows are first read',
    { timeout: 20_000 },
    async () => {
      const input = new PassThrough();
      const records = readRecordStream(input, 'leads', 'csv');
      input.write('Email,FirstName\n');
      // The input fails (a reconcile source's line bound, a read error) before anyone iterates: the
      // error must reach the reader, not become an uncaught exception that leaves the reader waiting.
      input.destroy(new Error('line longer than 1024 bytes'));
      for (let i = 0; i < 5; i++) await tick();
      const read = async (): Promise<unknown[]> => {
        const out: unknown[] = [];
        for await (const r of records) out.push(r);
        return out;
      };
      await expect(read()).rejects.toThrow('line longer than 1024 bytes');
    },
  );
});
