import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import { readWorkerSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createWorkerMetrics } from '../../src/metrics/worker-metrics.js';
import type { Transport } from '../../src/transport/contract.js';
import { buildTransport } from '../../src/worker/transport-factory.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startFakeMarketo, type FakeMarketo } from './rest-fake-marketo.js';

/** The worker's REST transport as the factory builds it: real Redis, a REST stand-in over HTTP. */

let fake: FakeMarketo | undefined;
let redis: Redis | undefined;
let transport: Transport | undefined;
afterEach(async () => {
  transport?.close();
  redis?.disconnect();
  await fake?.close();
});

describe("the worker's REST transport", () => {
  it('after SIGTERM a Describe the call needs is not sent: the records go back not-sent', async () => {
    fake = await startFakeMarketo();
    redis = new Redis(inject('redisUrl'));
    const buffer = new RedisBuffer(redis, freshPrefix());
    const settings = readWorkerSettings({
      REDIS_URL: inject('redisUrl'),
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: fake.url,
      MARKETO_CLIENT_ID: fake.clientId,
      MARKETO_CLIENT_SECRET: fake.clientSecret,
    });
    const stopping = new AbortController();
    stopping.abort();
    const metrics = createWorkerMetrics(buffer, 10_000, { transport: 'rest' });
    transport = buildTransport(settings, buffer, metrics, silentLogger, stopping.signal).transport;
    const sent = transport.send(
      {
        group: { kind: 'lead', dedupEnabled: false },
        records: [{ Email: 'a@example.com', attributes: { FirstName: 'A' } }],
      },
      { stopping: stopping.signal },
    );
    await expect(sent).rejects.toMatchObject({ applied: 'not-sent', category: 'transient' });
    expect(fake.apiRequests().map((r) => r.path)).toEqual([]);
  });
});
