import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { protocolText } from '../../src/buffer/written-command.js';
import { seededRandom } from '../helpers/seeded.js';

describe('the written command text', () => {
  it('is byte for byte what ioredis writes for the same command', () => {
    const next = seededRandom(20261207);
    const pieces = [
      '',
      'a',
      'L:em:user%40x.com',
      '{"attributes":{"City":"Zürich"}}',
      'smile\u{1F600}',
      '\r\n',
      '$3',
      'é'.repeat(70),
    ];
    let ascii = 0;
    for (let round = 0; round < 200; round++) {
      const args = Array.from({ length: 1 + Math.floor(next() * 30) }, () =>
        Array.from({ length: Math.floor(next() * 3) }, () => pieces[Math.floor(next() * pieces.length)]).join(
          '',
        ),
      );
      const head = ['0123456789abcdef0123456789abcdef01234567', '1', '{p}:seq'];
      const reference = new Command('evalsha', [...head, ...args]).toWritable({});
      expect(protocolText('evalsha', head, args)).toBe(reference);
      if (Buffer.byteLength(reference) === reference.length) ascii++;
    }
    // Both ways of measuring the arguments were taken: ASCII only (lengths) and not (byte counts).
    expect(ascii).toBeGreaterThan(10);
    expect(ascii).toBeLessThan(190);
  });
});
