import { describe, expect, it } from 'vitest';
import { bodyFormat } from '../../src/producer/content-type.js';

describe('the Content-Type of an ingest body', () => {
  it('declares JSON, NDJSON or nothing', () => {
    expect(bodyFormat(undefined)).toEqual({ format: 'auto' });
    expect(bodyFormat('application/json; charset=UTF-8')).toEqual({ format: 'json' });
    expect(bodyFormat('application/x-ndjson')).toEqual({ format: 'ndjson' });
    expect(bodyFormat('application/jsonl')).toEqual({ format: 'ndjson' });
  });

  it('refuses a type whose bodies are not read as sent, naming it', () => {
    // JSON text sequences (RFC 7464) start each record with RS (0x1E), which no JSON parser reads.
    for (const type of ['application/json-seq', 'text/plain'])
      expect(bodyFormat(type), type).toEqual({
        problem: expect.stringMatching(new RegExp(`^${type} is not accepted`)),
      });
  });
});
