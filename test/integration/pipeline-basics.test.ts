import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import {
  objectOperation,
  startPipeline,
  syncCalls,
  TRANSPORTS,
  type PipelineFixture,
} from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

describe.each(TRANSPORTS)('producer → buffer → worker → emulator over %s', (transport) => {
  it('coalesces changes to one lead into one record, last writer wins per attribute', async () => {
    p = await startPipeline({}, {}, transport);
    const result = await p.producer.enqueueLeads([
      { Email: 'Ann@example.com', attributes: { FirstName: 'Ann', City: 'Bonn' } },
      { Email: 'ann@EXAMPLE.com', attributes: { City: 'Köln', LeadScore: 5 } },
      { Email: 'bob@example.com', attributes: { FirstName: 'Bob' } },
    ]);
    expect(result.rejected).toEqual([]);
    expect(result.accepted.map((a) => [a.index, a.key, a.seq])).toEqual([
      [0, 'L:em:ann%40example.com', 1],
      [1, 'L:em:ann%40example.com', 2],
      [2, 'L:em:bob%40example.com', 3],
    ]);
    await p.startWorker();
    const outcome = await p.producer.waitForOutcome(result.accepted[1]!, { timeoutMs: 10_000 });
    expect(outcome).toMatchObject({
      status: 'CREATED',
      firstSeq: 1,
      lastSeq: 2,
      changes: 2,
      attempt: 1,
      error: null,
    });
    await p.drained();
    const calls = syncCalls(p);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.recordCount).toBe(2);
    const ann = (p.f.emulator.leads.all() as EmulatedLead[]).find(
      (l) => l.Email?.toLowerCase() === 'ann@example.com',
    )!;
    // Over REST the email is a field like any other, and the emulator's store keeps it among them.
    const attributes = Object.fromEntries(Object.entries(ann.attributes).filter(([k]) => k !== 'Email'));
    expect(attributes).toEqual({ FirstName: 'Ann', City: 'Köln', LeadScore: '5' });
  });

  it('rejects invalid changes naming the field and accepts the valid ones', async () => {
    p = await startPipeline({}, {}, transport);
    const result = await p.producer.enqueueLeads([
      { Email: 'ok@example.com', attributes: {} },
      { attributes: { FirstName: 'nobody' } } as never,
      { Id: 'x', attributes: {} } as never,
    ]);
    expect(result.accepted.map((a) => a.index)).toEqual([0]);
    expect(result.rejected).toEqual([
      { at: 1, field: '(record)', reason: 'needs at least one key: Id, Email or ForeignSysPersonId' },
      { at: 2, field: 'Id', reason: expect.stringMatching(/number/) },
    ]);
    const objects = await p.producer.enqueueMObjects([
      { type: 'Program', operation: 'UPSERT', id: 1001 },
      { type: 'Opportunity', operation: 'UPDATE', attributes: { Name: 'x' } },
    ]);
    expect(objects.rejected.map((r) => [r.at, r.field])).toEqual([
      [0, 'operation'],
      [1, 'id'],
    ]);
  });

  it('sends objects grouped by operation, with program costs accumulating', async () => {
    p = await startPipeline({}, {}, transport);
    const cost = (amount: number) => ({
      attrType: 'Cost' as const,
      attributes: { Month: '2026-11', Amount: amount },
    });
    await p.producer.enqueueMObjects([
      { type: 'Program', operation: 'UPDATE', id: 1001, typeAttributes: [cost(100)] },
      { type: 'Program', operation: 'UPDATE', id: 1001, typeAttributes: [cost(200)] },
      {
        type: 'Opportunity',
        operation: 'UPSERT',
        externalKey: { name: 'crmId', value: 'O-1' },
        attributes: { Name: 'a', Stage: 'New' },
      },
      {
        type: 'Opportunity',
        operation: 'UPDATE',
        externalKey: { name: 'crmId', value: 'O-1' },
        attributes: { Stage: 'Won' },
      },
      {
        type: 'Opportunity',
        operation: 'INSERT',
        externalKey: { name: 'crmId', value: 'O-2' },
        attributes: { Name: 'b' },
      },
      {
        type: 'Opportunity',
        operation: 'INSERT',
        externalKey: { name: 'crmId', value: 'O-2' },
        attributes: { Name: 'b' },
      },
    ]);
    await p.startWorker();
    await p.drained();
    const program = (
      p.f.emulator.mobjects.list('Program') as { id: number; costs: { amount: number }[] }[]
    ).find((x) => x.id === 1001)!;
    expect(program.costs.map((c) => c.amount)).toEqual([100, 200]);
    const opps = p.f.emulator.mobjects.list('Opportunity') as { attributes: Record<string, string> }[];
    // The INSERT and the UPSERT go in separate calls, in either order.
    expect(opps).toHaveLength(2);
    expect(opps.map((o) => o.attributes)).toEqual(
      expect.arrayContaining([{ Name: 'a', Stage: 'Won' }, { Name: 'b' }]),
    );
    // One call per type and operation: the program's, the opportunities' INSERT and their UPSERT.
    const calls = syncCalls(p);
    expect(calls.map((c) => objectOperation(c)).sort()).toEqual(['INSERT', 'UPDATE', 'UPSERT']);
  });
});
