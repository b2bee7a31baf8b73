import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import type { EmulatedObject, EmulatedProgram } from '../../src/emulator/mobject-store.js';
import { startPipeline, syncCalls, TRANSPORTS, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

/**
 * Writes one pending record the way releases before the transport seam did: its hash, its place in
 * the dirty set of its group (`L`, `L0`, `O:INSERT|UPDATE|UPSERT`), the group in the set of groups.
 */
async function writeOldWay(key: string, group: string, data: unknown, seq: number): Promise<void> {
  const keys = p.producer.buffer.keys;
  const now = Date.now();
  await p.redis
    .multi()
    .hset(keys.rec(key), 'group', group, 'data', JSON.stringify(data), 'first', seq, 't0', now)
    .zadd(keys.dirty(group), now, key)
    .sadd(keys.groups, group)
    .set(keys.seq, seq)
    .exec();
}

describe.each(TRANSPORTS)('records waiting in the older groups at an upgrade, over %s', (transport) => {
  it('keep flowing: leads of every key kind and objects of every type go out, one key kind, type and operation per call', async () => {
    p = await startPipeline({}, {}, transport);
    let seq = 0;
    const leads = [
      ['L:em:old1%40example.com', 'L', { Email: 'old1@example.com', attributes: { City: 'Bonn' } }],
      ['L:em:old2%40example.com', 'L', { Email: 'old2@example.com', attributes: { City: 'Köln' } }],
      ['L:em:dup%40example.com#1', 'L0', { Email: 'dup@example.com', attributes: { City: 'Ulm' } }],
    ] as const;
    for (const [key, group, data] of leads) await writeOldWay(key, group, data, ++seq);
    // A lead that already exists, waiting keyed by its id.
    const existing = p.f.emulator.leads.create({ Email: 'byid@example.com' });
    await writeOldWay(`L:id:${existing.id}`, 'L', { Id: existing.id, attributes: { City: 'Jena' } }, ++seq);
    await writeOldWay(
      'O:Opportunity:ek:crmId=OLD-1',
      'O:UPSERT',
      {
        type: 'Opportunity',
        externalKey: { name: 'crmId', value: 'OLD-1' },
        attributes: { Name: 'Old deal' },
      },
      ++seq,
    );
    await writeOldWay(
      'O:Program:id:1001',
      'O:UPDATE',
      {
        type: 'Program',
        id: 1001,
        typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: '70' } }],
      },
      ++seq,
    );
    await writeOldWay(
      'O:Program:id:1002',
      'O:UPDATE',
      {
        type: 'Program',
        id: 1002,
        typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: '80' } }],
      },
      ++seq,
    );
    // A change accepted by the new release to a record still waiting in an older group merges into it.
    const merged = await p.producer.enqueueMObjects([
      {
        type: 'Opportunity',
        operation: 'UPDATE',
        externalKey: { name: 'crmId', value: 'OLD-1' },
        attributes: { Stage: 'Won' },
      },
    ]);
    expect(merged.accepted).toHaveLength(1);

    await p.startWorker();
    await p.drained();

    for (const key of [
      'L:em:old1%40example.com',
      'L:em:old2%40example.com',
      `L:id:${existing.id}`,
      'O:Opportunity:ek:crmId=OLD-1',
      'O:Program:id:1001',
      'O:Program:id:1002',
    ]) {
      const outcome = await p.producer.getOutcome(key);
      expect(outcome, key).not.toBeNull();
      expect(['CREATED', 'UPDATED'], key).toContain(outcome!.status);
    }
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
    const byEmail = new Map(
      (p.f.emulator.leads.all() as EmulatedLead[]).map((l) => [l.Email?.toLowerCase(), l]),
    );
    expect(byEmail.get('old1@example.com')!.attributes.City).toBe('Bonn');
    expect(byEmail.get('dup@example.com')!.attributes.City).toBe('Ulm');
    expect(byEmail.get('byid@example.com')!.attributes.City).toBe('Jena');
    const opp = (p.f.emulator.mobjects.list('Opportunity') as EmulatedObject[]).find(
      (o) => o.externalKey?.value === 'OLD-1',
    )!;
    expect(opp.attributes).toMatchObject({ Name: 'Old deal', Stage: 'Won' });
    const programs = p.f.emulator.mobjects.list('Program') as EmulatedProgram[];
    expect(programs.find((x) => x.id === 1001)!.costs.map((c) => c.amount)).toEqual([70]);
    expect(programs.find((x) => x.id === 1002)!.costs.map((c) => c.amount)).toEqual([80]);

    // Each call carried one key kind (the Id lead apart from the Email leads), one type, one operation.
    const calls = syncCalls(p);
    const leadCalls = calls.filter((c) => c.operation === 'syncMultipleLeads' || c.operation === 'syncLeads');
    expect(leadCalls).toHaveLength(3);
    const programCalls = calls.filter(
      (c) =>
        c.operation === 'updateProgram' ||
        (c.records as { type?: string }[]).some((r) => r.type === 'Program'),
    );
    expect(programCalls).toHaveLength(transport === 'rest' ? 2 : 1);
    if (transport === 'rest')
      expect(leadCalls.map((c) => c.lookupField ?? c.action).sort()).toEqual([
        'createDuplicate',
        'email',
        'id',
      ]);
  });
});
