import { afterEach, describe, expect, it } from 'vitest';
import { quotaDay } from '../../src/worker/backoff.js';
import { startPipeline, syncCalls, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

const opportunities = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'Opportunity' as const,
    operation: 'UPSERT' as const,
    externalKey: { name: 'crmId', value: `O-${i}` },
    attributes: { Name: `Deal ${i}` },
  }));

describe('a worker over REST', () => {
  it('counts its Describe request against the shared rate limit and the daily quota, like a call; token requests against neither', async () => {
    p = await startPipeline({}, { MKTSYNC_RATE_LIMIT: '50', MKTSYNC_RATE_WINDOW_MS: '60000' }, 'rest');
    await p.producer.enqueueLeads([{ Email: 'a@x.com', attributes: { FirstName: 'A' } }]);
    await p.startWorker();
    await p.drained();
    const keys = p.producer.buffer.keys;
    // The Describe request took a rate token besides the claim's, and both requests count against the quota.
    expect(await p.redis.zcard(keys.rate)).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(Number(await p.redis.get(keys.callsOn(quotaDay(Date.now()))))).toBe(2);
    const apiCalls = p.f.emulator.calls.since().filter((c) => c.operation !== 'identity');
    expect(apiCalls.map((c) => c.operation)).toEqual(['describeLeads', 'syncLeads']);
  });

  it('sends 300 opportunities per call: MKTSYNC_MAX_MOBJECTS_PER_CALL caps it only when set lower', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.producer.enqueueMObjects(opportunities(250));
    await p.startWorker();
    await p.drained();
    expect(syncCalls(p).map((c) => c.recordCount)).toEqual([250]);
    await p.close();

    p = await startPipeline({}, { MKTSYNC_MAX_MOBJECTS_PER_CALL: '100' }, 'rest');
    await p.producer.enqueueMObjects(opportunities(250));
    await p.startWorker();
    await p.drained();
    expect(
      syncCalls(p)
        .map((c) => c.recordCount)
        .sort((a, b) => a - b),
    ).toEqual([50, 100, 100]);
  });

  it('intake refuses what REST cannot express, naming the field, and accepts a role keyed by its fields', async () => {
    p = await startPipeline({}, {}, 'rest');
    const objects = await p.producer.enqueueMObjects([
      { type: 'Opportunity', operation: 'UPSERT', id: 17, attributes: { Name: 'x' } },
      {
        type: 'Program',
        operation: 'UPDATE',
        id: 1001,
        typeAttributes: [{ attrType: 'Cost', attributes: { Id: 3, Month: '2026-11', Amount: 5 } }],
      },
      {
        type: 'OpportunityPersonRole',
        operation: 'UPSERT',
        attributes: { externalOpportunityId: 'O-1', PersonId: 1000001, Role: 'Buyer' },
      },
    ]);
    expect(objects.rejected.map((r) => [r.at, r.field])).toEqual([
      [0, 'id'],
      [0, 'externalKey'],
      [1, 'typeAttributes.0.attributes.Id'],
    ]);
    expect(objects.rejected[0]!.reason).toMatch(/REST/);
    expect(objects.accepted.map((a) => [a.index, a.key])).toEqual([
      [2, 'O:OpportunityPersonRole:rf:O-1|1000001|Buyer'],
    ]);
    const leads = await p.producer.enqueueLeads([
      { ForeignSysPersonId: 'crm-1', ForeignSysType: 'CUSTOM', attributes: {} },
      { Email: 'ok@x.com', attributes: {} },
    ]);
    expect(leads.rejected).toEqual([
      { at: 0, field: 'ForeignSysPersonId', reason: expect.stringMatching(/MARKETO_REST_FOREIGN_ID_FIELD/) },
    ]);
    expect(leads.accepted.map((a) => a.index)).toEqual([1]);
  });
});
