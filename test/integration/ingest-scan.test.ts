import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startIngestServer } from '../../src/producer/ingest-server.js';
import { createProducer } from '../../src/producer/producer.js';
import { scanLeadBody } from '../../src/producer/lead-body-scan.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { seededRandom } from '../helpers/seeded.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

/** Every record under `prefix`: its key (without the prefix) and fields, less the clock's (t0, at). */
async function records(prefix: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const base = `{${prefix}}:rec:`;
  for (const key of await redis.keys(`${base}*`)) {
    const { t0: _t0, at: _at, ...fields } = await redis.hgetall(key);
    out[key.slice(base.length)] = fields;
  }
  return out;
}

describe('HTTP ingestion of a plain lead body (the one-pass scan)', () => {
  it('stores exactly what the library stores for the same changes, merges and keyed changes included', async () => {
    const next = seededRandom(2026_12_07);
    const items = Array.from({ length: 600 }, (_, i) => {
      const n = Math.floor(next() * 150);
      const item: Record<string, unknown> = {
        Email: `User${n}@Example.com`,
        attributes: { FirstName: `F${i}`, LeadScore: Math.floor(next() * 100), Opt: next() < 0.5, Fax: null },
      };
      if (next() < 0.1) item.Id = 1 + n;
      if (next() < 0.05) item.dedupEnabled = false;
      if (next() < 0.1) item.idempotencyKey = `k-${Math.floor(next() * 40)}`;
      return item;
    });
    const body = JSON.stringify(items);
    // The body is one the scan takes, or this test would prove nothing about it.
    expect(scanLeadBody(body)?.length).toBe(items.length);

    const viaHttp = freshPrefix();
    const producer = await createProducer({ url: inject('redisUrl'), prefix: viaHttp });
    const server = await startIngestServer({ producer, authDisabled: true });
    const viaLibrary = freshPrefix();
    const library = await createProducer({ url: inject('redisUrl'), prefix: viaLibrary });
    try {
      for (const p of [producer, library]) await p.buffer.allowMergeWait();
      const response = await fetch(`${server.url}/v1/leads`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'body-1' },
        body,
      });
      expect(response.status).toBe(202);
      const answer = (await response.json()) as {
        accepted: number;
        references: { key: string; seq: number }[];
      };
      // The library writes in calls of 100; the same idempotency keys as the header gave each item.
      const keyed = items.map((item, i) => ({ idempotencyKey: `body-1:${i}`, ...item }));
      const written = await library.enqueueLeads(keyed);
      expect(answer.references.map((r) => [r.key, r.seq])).toEqual(
        written.accepted.map((r) => [r.key, r.seq]),
      );
      const stored = await records(viaHttp);
      expect(Object.keys(stored).length).toBeGreaterThan(100);
      expect(stored).toEqual(await records(viaLibrary));
    } finally {
      await server.close();
      await producer.close();
      await library.close();
    }
  });
});
