import { afterEach, describe, expect, inject, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { startCli } from '../helpers/cli.js';
import { startPipeline, syncCalls, transportEnv, type PipelineFixture } from '../helpers/pipeline.js';
import { enqueueAll, type Change } from '../helpers/stream.js';

let p: PipelineFixture;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await p?.close();
});

const WORKERS = 3;

async function tokenRequests(): Promise<number> {
  const stats = (await (await fetch(`${p.f.emulator.url}/_emulator/stats`)).json()) as {
    rest: { tokenRequests: number };
  };
  return stats.rest.tokenRequests;
}

function wave(n: number, from: number): Change[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'lead',
    change: { Email: `t${from + i}@example.com`, attributes: { City: `c${from + i}` } },
  }));
}

describe('the REST token expiring mid-run under 3 worker processes', () => {
  it('no record lost, no attempt burnt, at most one token request per worker per expiry', async () => {
    p = await startPipeline({ faults: { latency: { fixedMs: 150 } } }, {}, 'rest');
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        startCli(['worker'], (l) => l.msg === 'worker ready', {
          REDIS_URL: inject('redisUrl'),
          MKTSYNC_PREFIX: p.prefix,
          ...transportEnv(p.f, 'rest'),
          MKTSYNC_LINGER_MS: '50',
          MKTSYNC_QUIET_MS: '0',
          MKTSYNC_RATE_LIMIT: '0',
          MKTSYNC_MAX_CONCURRENT: '9',
          MKTSYNC_MAX_LEADS_PER_CALL: '20',
          MKTSYNC_HTTP_PORT: '0',
          MKTSYNC_HTTP_HOST: '127.0.0.1',
          MKTSYNC_LOG_LEVEL: 'info',
        }),
      ),
    );
    for (const w of workers) stops.push(w.stop);

    const accepted = await enqueueAll(p.producer, wave(600, 0));
    await p.drained(30_000);
    const first = await tokenRequests();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(WORKERS);

    const renewals: number[] = [];
    for (let expiry = 1; expiry <= 2; expiry++) {
      const before = await tokenRequests();
      const since = p.f.emulator.calls.total;
      expect(p.f.emulator.expireRestToken()).toBe(true);
      accepted.push(...(await enqueueAll(p.producer, wave(600, expiry * 1000))));
      await p.drained(30_000);
      const refused = syncCalls(p, since).filter((c) => c.faultCode === 601 || c.faultCode === 602);
      expect(refused.length, 'the expired token was used and refused').toBeGreaterThan(0);
      renewals.push((await tokenRequests()) - before);
    }
    process.stdout.write(
      `[figure] token requests: ${first} at start, ${renewals.join(' and ')} after each of 2 expiries (${WORKERS} workers)\n`,
    );
    for (const n of renewals) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(WORKERS);
    }

    expect(p.f.emulator.leads.size).toBe(1_800);
    const cities = new Map(
      (p.f.emulator.leads.all() as EmulatedLead[]).map((l) => [
        l.Email ?? l.attributes.Email,
        l.attributes.City,
      ]),
    );
    for (const { ref } of accepted) {
      const outcome = await p.producer.getOutcome(ref.key);
      expect(outcome?.status, ref.key).toBe('CREATED');
      // The resend after a renewal is part of the same attempt.
      expect(outcome?.attempt, ref.key).toBe(1);
    }
    expect(cities.get('t2599@example.com')).toBe('c2599');
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });
});
