import { afterEach, describe, expect, inject, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { startPipeline, transportEnv, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * Custom objects under a worker killed (SIGKILL) mid-call (issue 16's kill -9 case for the new groups):
 * the recovering worker resends the createOnly batch as a checked create and the upserts as they are;
 * every record ends in Marketo exactly once, each with an outcome, nothing dead-lettered.
 */

let p: PipelineFixture | undefined;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await p?.close();
  p = undefined;
});

describe('custom objects and a worker killed while its calls are in flight', () => {
  it('each record once in Marketo, every one with an outcome, creates settled as checked creates', async () => {
    p = await startPipeline({ faults: { latency: { fixedMs: 600 } } }, {}, 'rest');
    const inserts = await p.producer.enqueueMObjects(
      Array.from({ length: 40 }, (_, i) => ({
        apiName: 'device_c',
        operation: 'INSERT' as const,
        keys: { serialNumber: `KC-${i}` },
        attributes: { model: 'create' },
      })),
    );
    const upserts = await p.producer.enqueueMObjects(
      Array.from({ length: 40 }, (_, i) => ({
        apiName: 'device_c',
        operation: 'UPSERT' as const,
        keys: { serialNumber: `KU-${i}` },
        attributes: { model: 'upsert' },
      })),
    );
    expect([inserts.rejected, upserts.rejected]).toEqual([[], []]);
    const doomed = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      ...transportEnv(p.f, 'rest'),
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '1500',
      MKTSYNC_LEASE_MS: '2000',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LOG_LEVEL: 'info',
    });
    stops.push(doomed.stop);
    const writes = () =>
      p!.f.emulator.calls
        .since()
        .filter((c) => c.operation === 'syncCustomObjects' && c.status === 'pending');
    while (writes().length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(
      writes()
        .map((c) => c.action)
        .sort(),
    ).toEqual(['createOnly', 'createOrUpdate']);
    doomed.child.kill('SIGKILL');
    await p.startWorker();
    await p.drained(30_000);

    const devices = p.f.emulator.customObjects.list('device_c');
    const serials = devices.map((d) => String(d.fields.serialNumber));
    expect(new Set(serials).size).toBe(serials.length);
    expect(serials.filter((s) => s.startsWith('KC-'))).toHaveLength(40);
    expect(serials.filter((s) => s.startsWith('KU-'))).toHaveLength(40);
    const created = await p.producer.buffer.outcomes.latestOf(inserts.accepted.map((a) => a.key));
    for (const o of created) expect(['CREATED', 'PROBABLY_CREATED']).toContain(o?.status);
    const upserted = await p.producer.buffer.outcomes.latestOf(upserts.accepted.map((a) => a.key));
    for (const o of upserted) expect(['CREATED', 'UPDATED']).toContain(o?.status);
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });
});
