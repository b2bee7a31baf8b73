import { afterEach, describe, expect, inject, it } from 'vitest';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRedisServer } from '../helpers/redis-server.js';

const TOKEN = 'test-token-0123456789abcdef';
let server: IngestServer;
let producer: Producer;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await server?.close();
  await producer?.close();
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function start(options: { maxBodyBytes?: number; url?: string } = {}): Promise<void> {
  producer = await createProducer({ url: options.url ?? inject('redisUrl'), prefix: freshPrefix() });
  server = await startIngestServer({
    producer,
    token: TOKEN,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
}

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /v1/leads and /v1/mobjects', () => {
  it('accepts a JSON array with a reference per change', async () => {
    await start();
    const answer = await post(
      '/v1/leads',
      JSON.stringify([
        { Email: 'a@example.com', attributes: { City: 'x' } },
        { Id: 5, attributes: {} },
      ]),
    );
    expect(answer).toEqual({
      status: 202,
      body: {
        accepted: 2,
        references: [
          { index: 0, key: 'L:em:a%40example.com', seq: 1 },
          { index: 1, key: 'L:id:5', seq: 2 },
        ],
      },
    });
    const { waiting } = await producer.buffer.stats();
    expect([waiting['L:Email'], waiting['L:Id']]).toEqual([1, 1]);
  });

  it('accepts NDJSON and names lines', async () => {
    await start();
    const ndjson = [
      '{"type":"Opportunity","operation":"UPSERT","externalKey":{"name":"k","value":"1"}}',
      '',
      '{"type":"Program","operation":"UPDATE","id":1001}',
    ].join('\n');
    const answer = await post('/v1/mobjects', ndjson, { 'Content-Type': 'application/x-ndjson' });
    expect(answer.status).toBe(202);
    expect((answer.body.references as { line: number }[]).map((r) => r.line)).toEqual([1, 3]);
  });

  it('refuses the whole body with every problem named, and writes nothing', async () => {
    await start();
    const answer = await post(
      '/v1/leads',
      JSON.stringify([
        { Email: 'fine@example.com', attributes: {} },
        { Email: 42, attributes: {} },
        { attributes: { City: 'no key' } },
        { Email: 'x@example.com', attributes: { City: { nested: true } } },
        { Email: 'y@example.com', attributes: {}, colour: 'red' },
      ]),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      { index: 1, field: 'Email', reason: expect.stringMatching(/string/) },
      { index: 2, field: '(record)', reason: 'needs at least one key: Id, Email or ForeignSysPersonId' },
      { index: 3, field: 'attributes.City', reason: expect.any(String) },
      { index: 4, field: '(record)', reason: expect.stringMatching(/colour/) },
    ]);
    expect((await producer.buffer.stats()).counters.accepted).toBeUndefined();
  });

  it('refuses an unknown operation and a Program INSERT', async () => {
    await start();
    const answer = await post(
      '/v1/mobjects',
      JSON.stringify([
        { type: 'Opportunity', operation: 'DELETE', id: 1 },
        { type: 'Program', operation: 'INSERT', id: 1 },
      ]),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      { index: 0, field: 'operation', reason: expect.stringMatching(/INSERT.*UPDATE.*UPSERT/) },
      { index: 1, field: 'operation', reason: 'Program takes UPDATE only' },
    ]);
  });

  it('refuses invalid JSON, invalid UTF-8, an empty body and an oversized body', async () => {
    await start({ maxBodyBytes: 1000 });
    expect((await post('/v1/leads', '[{"Email": ')).body.problems).toEqual([
      { index: 0, field: '(body)', reason: expect.stringMatching(/^is not valid JSON/) },
    ]);
    const utf8 = await post('/v1/leads', Buffer.from([0x5b, 0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x5d]));
    expect(utf8).toEqual({
      status: 400,
      body: expect.objectContaining({
        problems: [{ index: 0, field: '(body)', reason: 'is not valid UTF-8' }],
      }),
    });
    expect((await post('/v1/leads', '[]')).body.problems).toEqual([
      { index: 0, field: '(body)', reason: 'holds no changes' },
    ]);
    const big = await post(
      '/v1/leads',
      JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ Email: `${i}@example.com`, attributes: {} }))),
    );
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/larger than 1000 bytes/);
    expect((await producer.buffer.stats()).waitingTotal).toBe(0);
  });

  it('requires the bearer token', async () => {
    await start();
    const answer = await post('/v1/leads', '[]', { Authorization: 'Bearer wrong' });
    expect(answer.status).toBe(401);
    await expect(startIngestServer({ producer })).rejects.toThrow(/needs a bearer token/);
  });

  it('answers 503 when Redis cannot take the write', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    await start({ url: redis.url });
    await redis.stop();
    const down = await post('/v1/leads', JSON.stringify([{ Email: 'a@example.com', attributes: {} }]));
    expect(down.status).toBe(503);
    expect(down.body.error).toMatch(/nothing was accepted, retry later/);
  });
});
