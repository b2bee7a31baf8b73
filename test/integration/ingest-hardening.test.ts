import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRedisServer } from '../helpers/redis-server.js';

const TOKEN = 'test-token-0123456789abcdef';
let server: IngestServer;
let producer: Producer;
let prefix: string;
afterEach(async () => {
  await server?.close();
  await producer?.close();
});

async function start(
  options: { maxBodyBytes?: number; maxBytesInProgress?: number; url?: string } = {},
): Promise<void> {
  prefix = freshPrefix();
  producer = await createProducer({ url: options.url ?? inject('redisUrl'), prefix });
  server = await startIngestServer({
    producer,
    token: TOKEN,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.maxBytesInProgress ? { maxBytesInProgress: options.maxBytesInProgress } : {}),
  });
}

async function post(body: string, headers: Record<string, string> = {}, path = '/v1/leads') {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function recordCount(): Promise<number> {
  const redis = new Redis(inject('redisUrl'));
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:rec:*`, 'COUNT', 5000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  redis.disconnect();
  return count;
}

describe('ingest within its limits', () => {
  it('accepts a valid body of 45,000 items', async () => {
    await start();
    const items = Array.from({ length: 45_000 }, (_, i) => ({ Email: `u${i}@example.com` }));
    const body = JSON.stringify(items);
    expect(body.length).toBeLessThan(5 * 1024 * 1024);
    const answer = await post(body);
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(202);
    expect(answer.body.accepted).toBe(45_000);
    expect(await recordCount()).toBe(45_000);
  });

  it('turns away bodies beyond the bytes in progress with 503 and Retry-After, and loses nothing it accepted', async () => {
    // Room for two bodies at once; twelve arrive together.
    await start({ maxBodyBytes: 1024 * 1024, maxBytesInProgress: 2 * 1024 * 1024 });
    const bodies = Array.from({ length: 12 }, (_, b) =>
      JSON.stringify(
        Array.from({ length: 18_000 }, (_, i) => ({ Email: `b${b}-${i}@example.com`, attributes: { N: i } })),
      ),
    );
    expect(bodies[0]!.length).toBeGreaterThan(900_000);
    expect(bodies[0]!.length).toBeLessThan(1024 * 1024);
    const first = await Promise.all(bodies.map((body) => post(body)));
    const busy = first.filter((a) => a.status === 503);
    const accepted = first.filter((a) => a.status === 202);
    expect(busy.length + accepted.length).toBe(12);
    expect(busy.length).toBeGreaterThan(0);
    for (const a of busy) {
      expect(a.retryAfter).toBe('1');
      expect(a.body).toEqual({
        error: expect.stringMatching(/^busy: .*nothing was accepted/),
        state: 'refused',
      });
    }
    expect(await recordCount()).toBe(accepted.length * 18_000);
    // Retrying the busy ones one at a time, as a client told to wait would, gets every body in.
    for (const [b, a] of first.entries()) {
      if (a.status === 503) expect((await post(bodies[b]!)).status).toBe(202);
    }
    expect(await recordCount()).toBe(12 * 18_000);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`mktsync_ingest_busy_total ${busy.length}\\b`));
  });
});

describe('ingest refusals name the item, the field and the reason', () => {
  it('refuses reserved names, names Marketo cannot hold and a blank Email', async () => {
    await start();
    const body =
      '[{"Email":"a@example.com","attributes":{"__proto__":{"admin":true}}},' +
      '{"Email":"b@example.com","attributes":{"constructor":"x","prototype":"y"}},' +
      '{"Email":"c@example.com","attributes":{"First Name":"x","a<b":"y","A&B":"z","Ctl\\u0007":"w"}},' +
      '{"Email":" "},' +
      '{"Email":"d@example.com","attributes":{"FirstName":"fine"}}]';
    const answer = await post(body);
    expect(answer.status).toBe(400);
    const cannot = (name: string) =>
      `the name ${JSON.stringify(name)} is not one Marketo can hold: a letter, then letters, digits or underscores`;
    expect(answer.body.problems).toEqual([
      {
        index: 0,
        field: 'attributes.__proto__',
        reason: 'the name "__proto__" is reserved and cannot be used',
      },
      {
        index: 1,
        field: 'attributes.constructor',
        reason: 'the name "constructor" is reserved and cannot be used',
      },
      {
        index: 1,
        field: 'attributes.prototype',
        reason: 'the name "prototype" is reserved and cannot be used',
      },
      { index: 2, field: 'attributes.First Name', reason: cannot('First Name') },
      { index: 2, field: 'attributes.a<b', reason: cannot('a<b') },
      { index: 2, field: 'attributes.A&B', reason: cannot('A&B') },
      { index: 2, field: 'attributes.Ctl\u0007', reason: cannot('Ctl\u0007') },
      { index: 3, field: 'Email', reason: 'cannot be empty or blank' },
    ]);
    expect(await recordCount()).toBe(0);
  });

  it('names the NDJSON line of a refused name', async () => {
    await start();
    const answer = await post(
      '{"type":"Opportunity","operation":"UPSERT","externalKey":{"name":"k","value":"1"}}\n' +
        '{"type":"Opportunity","operation":"UPSERT","externalKey":{"name":"k","value":"2"},"attributes":{"__proto__":1}}\n',
      { 'Content-Type': 'application/x-ndjson' },
      '/v1/mobjects',
    );
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      {
        line: 2,
        field: 'attributes.__proto__',
        reason: 'the name "__proto__" is reserved and cannot be used',
      },
    ]);
  });

  it('answers 415 to JSON under a Content-Type that is not JSON, naming the header', async () => {
    await start();
    const body = JSON.stringify([{ Email: 'a@example.com' }]);
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const answer = await post(body, { 'Content-Type': type });
      expect(answer.status, type).toBe(415);
      expect(answer.body.error, type).toMatch(/^Content-Type: .* not accepted/);
    }
    expect(await recordCount()).toBe(0);
    expect((await post(body, { 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(202);
  });
});

describe('Idempotency-Key', () => {
  it('answers a resent body with the original references and writes nothing twice', async () => {
    await start();
    const body = JSON.stringify([
      { Email: 'new@example.com', dedupEnabled: false },
      { Email: 'same@example.com', attributes: { City: 'Oslo' } },
      { Id: 7, idempotencyKey: 'own-key-7' },
    ]);
    const first = await post(body, { 'Idempotency-Key': 'order-1234' });
    expect(first.status).toBe(202);
    const again = await post(body, { 'Idempotency-Key': 'order-1234' });
    expect(again.status).toBe(202);
    const refs = first.body.references as Record<string, unknown>[];
    expect(again.body).toEqual({
      accepted: 3,
      replayed: 3,
      references: refs.map((r) => ({ ...r, replayed: true })),
    });
    expect(await recordCount()).toBe(3);
    const stats = await producer.buffer.stats();
    expect(stats.counters.accepted).toBe(3);
    expect(stats.counters.replayed).toBe(3);
    // Another key writes again; the item's own key is still remembered.
    const other = await post(body, { 'Idempotency-Key': 'order-1235' });
    expect((other.body.references as Record<string, unknown>[]).map((r) => r.replayed ?? false)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('answers 503 "unknown" when Redis dies after the write was sent, telling to resend with the same key', async () => {
    const redis = await startRedisServer();
    await start({ url: redis.url });
    const admin = new Redis(redis.url);
    admin.on('error', () => {});
    // Redis holds writes, so the body's write is sent and waits; once Redis has it, Redis dies unanswering.
    await admin.call('CLIENT', 'PAUSE', '30000', 'WRITE');
    const answer = post('[{"Email":"a@example.com","dedupEnabled":false}]', { 'Idempotency-Key': 'k-1' });
    while (!/blocked_clients:[1-9]/.test(await admin.info('clients')))
      await new Promise((r) => setTimeout(r, 10));
    redis.process.kill('SIGKILL');
    const { status, retryAfter, body } = await answer;
    admin.disconnect();
    await redis.stop();
    expect({ status, retryAfter, state: body.state }).toEqual({
      status: 503,
      retryAfter: '5',
      state: 'unknown',
    });
    expect(body.error).toMatch(/may or may not have been accepted; resend it with the same Idempotency-Key/);
  });

  it('refuses an Idempotency-Key that cannot be one', async () => {
    await start();
    const answer = await post('[{"Email":"a@example.com"}]', { 'Idempotency-Key': 'has space' });
    expect(answer).toMatchObject({ status: 400, body: { error: /^Idempotency-Key: / } });
  });
});
