import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedObject, EmulatedProgram } from '../../src/emulator/mobject-store.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterEach(() => f.emulator.reset());
afterAll(() => f.close());

const cost = (month: string, amount: string, id?: string) => ({
  attrType: 'Cost',
  attributes: [
    { name: 'Month', value: month },
    { name: 'Amount', value: amount },
    ...(id ? [{ name: 'Id', value: id }] : []),
  ],
});
const tag = (type: string, value: string) => ({
  attrType: 'Tag',
  attributes: [
    { name: 'Type', value: type },
    { name: 'Value', value },
  ],
});
const program = (id: number) =>
  f.emulator.mobjects.list('Program')!.find((p) => (p as EmulatedProgram).id === id) as EmulatedProgram;

describe('syncMObjects: Program', () => {
  it('appends costs, then updates one by its cost id', async () => {
    const [r] = await f.client.syncMObjects(
      [{ type: 'Program', id: 1001, typeAttributes: [cost('2026-10', '1500'), cost('2026-11', '250')] }],
      'UPDATE',
    );
    expect(r).toEqual({ id: 1001, status: 'UPDATED' });
    const costs = program(1001).costs;
    expect(costs.map((c) => [c.month, c.amount])).toEqual([
      ['2026-10', 1500],
      ['2026-11', 250],
    ]);
    await f.client.syncMObjects(
      [{ type: 'Program', id: 1001, typeAttributes: [cost('2026-11', '300', String(costs[1]!.id))] }],
      'UPDATE',
    );
    expect(program(1001).costs.map((c) => c.amount)).toEqual([1500, 300]);
  });

  it('sets tags from the configured set: UPDATED, then UNCHANGED; unknown values FAILED', async () => {
    const [changed] = await f.client.syncMObjects(
      [{ type: 'Program', id: 1002, typeAttributes: [tag('Channel', 'Webinar')] }],
      'UPDATE',
    );
    expect(changed!.status).toBe('UPDATED');
    expect(program(1002).tags.Channel).toBe('Webinar');
    const [same] = await f.client.syncMObjects(
      [{ type: 'Program', id: 1002, typeAttributes: [tag('Channel', 'Webinar')] }],
      'UPDATE',
    );
    expect(same!.status).toBe('UNCHANGED');
    const [bad] = await f.client.syncMObjects(
      [{ type: 'Program', id: 1002, typeAttributes: [tag('Channel', 'Carrier Pigeon')] }],
      'UPDATE',
    );
    expect(bad).toMatchObject({
      status: 'FAILED',
      error: '20110 - Tag value Carrier Pigeon does not exist for type Channel',
    });
  });

  it('takes UPDATE only, skips unknown programs and refuses bad costs, each object on its own', async () => {
    const results = await f.client.syncMObjects(
      [
        { type: 'Program', id: 1003, typeAttributes: [cost('2026-13', '1')] },
        { type: 'Program', id: 99999, typeAttributes: [cost('2026-01', '1')] },
        { type: 'Program', id: 1003, typeAttributes: [cost('2026-01', 'lots')] },
        { type: 'Program', id: 1003, typeAttributes: [cost('2026-01', '10')] },
      ],
      'UPDATE',
    );
    expect(results.map((r) => r.status)).toEqual(['FAILED', 'SKIPPED', 'FAILED', 'UPDATED']);
    expect(results[0]!.error).toMatch(/Month must be YYYY-MM/);
    const [upsert] = await f.client.syncMObjects(
      [{ type: 'Program', id: 1003, typeAttributes: [cost('2026-01', '1')] }],
      'UPSERT',
    );
    expect(upsert).toMatchObject({
      status: 'FAILED',
      error: '20110 - Program supports UPDATE only, not UPSERT',
    });
  });
});

describe('syncMObjects: Opportunity and OpportunityPersonRole', () => {
  const opp = (value: string, attributes: { name: string; value: string }[] = []) => ({
    type: 'Opportunity',
    externalKey: { name: 'crmOpportunityId', value },
    attributes,
  });

  it('INSERT creates and skips existing; UPDATE updates and skips new; UPSERT does both', async () => {
    const [created] = await f.client.syncMObjects([opp('O-1', [{ name: 'Name', value: 'Deal' }])], 'INSERT');
    expect(created).toMatchObject({
      status: 'CREATED',
      externalKey: { name: 'crmOpportunityId', value: 'O-1' },
    });
    expect((await f.client.syncMObjects([opp('O-1')], 'INSERT'))[0]).toMatchObject({
      status: 'SKIPPED',
      id: created!.id,
    });
    expect((await f.client.syncMObjects([opp('O-2')], 'UPDATE'))[0]!.status).toBe('SKIPPED');
    const [updated] = await f.client.syncMObjects([opp('O-1', [{ name: 'Stage', value: 'Won' }])], 'UPDATE');
    expect(updated).toMatchObject({ status: 'UPDATED', id: created!.id });
    expect(
      (
        await f.client.syncMObjects(
          [{ type: 'Opportunity', id: created!.id, attributes: [{ name: 'Stage', value: 'Won' }] }],
          'UPSERT',
        )
      )[0]!.status,
    ).toBe('UNCHANGED');
    expect((await f.client.syncMObjects([opp('O-3')], 'UPSERT'))[0]!.status).toBe('CREATED');
    const stored = f.emulator.mobjects.list('Opportunity') as EmulatedObject[];
    expect(stored.find((o) => o.id === created!.id)!.attributes).toEqual({ Name: 'Deal', Stage: 'Won' });
    expect(stored).toHaveLength(2);
  });

  it('associates a Company by id or external key, and fails an unknown one', async () => {
    const results = await f.client.syncMObjects(
      [
        { ...opp('A'), associations: [{ mObjType: 'Company', id: 5001 }] },
        {
          ...opp('B'),
          associations: [{ mObjType: 'Company', externalKey: { name: 'crmAccountId', value: 'GLOBEX-002' } }],
        },
        { ...opp('C'), associations: [{ mObjType: 'Company', id: 4242 }] },
      ],
      'UPSERT',
    );
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'CREATED', 'FAILED']);
    expect(results[2]!.error).toBe('20110 - Associated Company not found (id 4242)');
    const stored = f.emulator.mobjects.list('Opportunity') as EmulatedObject[];
    expect(stored.map((o) => o.associations.Company)).toEqual([5001, 5002]);
  });

  it('fails unknown attributes and UPDATE without a key', async () => {
    const results = await f.client.syncMObjects(
      [opp('X', [{ name: 'Colour', value: 'red' }]), { type: 'Opportunity', attributes: [] }],
      'UPSERT',
    );
    expect(results.map((r) => r.error)).toEqual([
      '20110 - Unknown Opportunity attribute: Colour',
      '20109 - UPSERT needs an id or externalKey',
    ]);
  });

  it('creates a person role only for an existing opportunity and lead', async () => {
    const [lead] = await f.client.syncMultipleLeads([{ Email: 'buyer@example.com' }]);
    const [deal] = await f.client.syncMObjects([opp('R-1')], 'INSERT');
    const role = (opportunityId: number, personId: number) => ({
      type: 'OpportunityPersonRole',
      externalKey: { name: 'crmRoleId', value: `${opportunityId}-${personId}` },
      attributes: [
        { name: 'OpportunityId', value: String(opportunityId) },
        { name: 'PersonId', value: String(personId) },
        { name: 'Role', value: 'Decision Maker' },
      ],
    });
    const results = await f.client.syncMObjects(
      [role(deal!.id, lead!.leadId), role(deal!.id, 1), role(7, lead!.leadId)],
      'UPSERT',
    );
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'FAILED', 'FAILED']);
    expect(results[1]!.error).toBe('20110 - Person (lead) 1 not found');
    expect(results[2]!.error).toBe('20110 - Opportunity 7 not found');
    // Associations may name the opportunity and the lead instead of attributes.
    const [viaAssociation] = await f.client.syncMObjects(
      [
        {
          type: 'OpportunityPersonRole',
          attributes: [{ name: 'Role', value: 'Champion' }],
          associations: [
            { mObjType: 'Opportunity', id: deal!.id },
            { mObjType: 'Lead', id: lead!.leadId },
          ],
        },
      ],
      'INSERT',
    );
    expect(viaAssociation!.status).toBe('CREATED');
  });

  it('faults 20110 above 100 objects by default, accepts them when configured', async () => {
    const many = Array.from({ length: 101 }, (_, i) => opp(`M-${i}`));
    await expect(f.client.syncMObjects(many, 'UPSERT')).rejects.toMatchObject({
      code: 20110,
      category: 'invalid-record',
    });
    f.emulator.configure({ batch: { oversizeMObjects: 'accept', oversizeLatencyMsPerRecord: 0 } });
    expect(await f.client.syncMObjects(many, 'UPSERT')).toHaveLength(101);
    f.emulator.configure({ batch: { oversizeMObjects: 'fault' } });
  });

  it('fails an unsupported type per object', async () => {
    const [r] = await f.client.syncMObjects([{ type: 'Spaceship', id: 1 }], 'UPSERT');
    expect(r).toMatchObject({ status: 'FAILED', error: '20110 - Unsupported MObject type: Spaceship' });
  });
});
