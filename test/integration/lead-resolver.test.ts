import { afterEach, describe, expect, it } from 'vitest';
import { RestTransport } from '../../src/rest/client.js';
import { BufferLeadLedger } from '../../src/worker/lead-ledger.js';
import type { LeadRef } from '../../src/vocabulary/lead-refs.js';
import { startPipeline, TEST_REST_CLIENT, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * The lead resolver over a real Redis and the emulator over HTTP: ids as they are, keys from the
 * lead's own outcome, else the cache, else Get Leads by Filter Type in requests of 300 values; a lead
 * with a change pending waits; a key Marketo does not know fails naming it.
 */

let p: PipelineFixture | undefined;
const transports: RestTransport[] = [];
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await p?.close();
  p = undefined;
});

function transport(fixture: PipelineFixture, admitted: { n: number }): RestTransport {
  const t = new RestTransport({
    endpoint: fixture.f.emulator.restEndpoint,
    ...TEST_REST_CLIENT,
    leads: new BufferLeadLedger(fixture.producer.buffer),
    admitLookup: () => {
      admitted.n++;
      return Promise.resolve(true);
    },
  });
  transports.push(t);
  return t;
}

const lookups = (fixture: PipelineFixture) =>
  fixture.f.emulator.calls.since().filter((c) => c.operation === 'queryLeads');

describe('LeadResolver', () => {
  it('looks keys up 300 a request (admitted each), caches them, and fails an unknown key naming it', async () => {
    p = await startPipeline({}, {}, 'rest');
    const known = Array.from({ length: 650 }, (_, i) =>
      p!.f.emulator.leads.create({ Email: `Known${i}@Example.com` }),
    );
    const admitted = { n: 0 };
    const t = transport(p, admitted);
    const refs: LeadRef[] = [
      ...known.map((_, i) => ({ Email: `known${i}@example.com` })),
      { Email: 'nobody@example.com' },
      { Id: 42 },
      { Email: 'KNOWN0@example.com' },
    ];
    const first = await t.leadResolver.resolve(refs);
    expect(first.slice(0, 650)).toEqual(known.map((l) => ({ id: l.id })));
    expect(first[650]).toEqual({ failed: 'Marketo has no lead Email:nobody@example.com' });
    expect(first[651]).toEqual({ id: 42 });
    expect(first[652]).toEqual({ id: known[0]!.id });
    // 651 distinct keys: three requests of at most 300 values, each admitted by the rate limiter.
    const calls = lookups(p);
    expect(calls.map((c) => c.recordCount)).toEqual([0, 0, 0]);
    expect(admitted.n).toBe(3);
    const again = await t.leadResolver.resolve(refs.slice(0, 650));
    expect(again).toEqual(first.slice(0, 650));
    expect(lookups(p)).toHaveLength(3);
  });

  it('waits for a lead whose change is pending, then takes its id from its outcome without a lookup', async () => {
    p = await startPipeline({}, {}, 'rest');
    const t = transport(p, { n: 0 });
    await p.producer.enqueueLeads([{ Email: 'new@example.com', attributes: { FirstName: 'New' } }]);
    const waiting = await t.leadResolver.resolve([{ Email: 'NEW@example.com' }]);
    expect(waiting[0]).toHaveProperty('wait');
    expect((waiting[0] as { wait: string }).wait).toContain('Email:new@example.com');
    expect(lookups(p)).toHaveLength(0);
    await p.startWorker();
    await p.drained();
    const created = p.f.emulator.leads.findBy('Email', 'new@example.com')[0]!;
    expect(await t.leadResolver.resolve([{ Email: 'new@example.com' }])).toEqual([{ id: created.id }]);
    expect(lookups(p)).toHaveLength(0);
  });
});
