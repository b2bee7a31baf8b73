import { afterEach, describe, expect, inject, it } from 'vitest';
import type { BufferedChange } from '../../src/buffer/buffer.js';
import {
  validateLeads,
  validateMObjects,
  type LeadChange,
  type MObjectChange,
} from '../../src/producer/changes.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { INTAKE_GROUPS, parseGroupName } from '../../src/vocabulary/batch-groups.js';
import type { LeadKeyKind } from '../../src/vocabulary/lead-key-kinds.js';
import type { ObjectOperation } from '../../src/vocabulary/object-operations.js';
import {
  OBJECT_TYPE_OPERATIONS,
  OBJECT_TYPE_TRANSPORTS,
  OBJECT_TYPES,
  type ObjectType,
} from '../../src/vocabulary/object-types.js';
import { startPipeline, TRANSPORTS, type PipelineFixture, type TransportKind } from '../helpers/pipeline.js';

let p: PipelineFixture | undefined;
let producer: Producer | undefined;
afterEach(async () => {
  await producer?.close();
  await p?.close();
  producer = undefined;
  p = undefined;
});

/** What the samples may refer to: records the emulator holds before the run. */
interface Existing {
  leadId: number;
  opportunityKey: string;
}

// One sample change per lead key kind: a `Record` over the kinds, so a new kind without a sample does
// not compile.
const LEAD_SAMPLES: Record<LeadKeyKind, (e: Existing) => LeadChange> = {
  Id: (e) => ({ Id: e.leadId, attributes: { City: 'Jena' } }),
  ForeignSysPersonId: () => ({
    ForeignSysPersonId: 'eg-crm-1',
    ForeignSysType: 'CUSTOM',
    Email: 'eg-fs@example.com',
    attributes: { City: 'Ulm' },
  }),
  Email: () => ({ Email: 'eg-email@example.com', attributes: { City: 'Bonn' } }),
};

// One sample change per object type and operation, as each transport takes it: a `Record` over the
// types, so a type added to the vocabulary without a sample here does not compile.
const OBJECT_SAMPLES: Record<
  ObjectType,
  (operation: ObjectOperation, transport: TransportKind, e: Existing) => MObjectChange
> = {
  Program: (operation) => ({
    type: 'Program',
    operation,
    id: 1001,
    typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: 5 } }],
  }),
  Opportunity: (operation) => ({
    type: 'Opportunity',
    operation,
    externalKey: { name: 'crmOpportunityId', value: `EG-${operation}` },
    attributes: { Name: `Deal ${operation}` },
  }),
  // SOAP keys a role by its externalKey; REST by its opportunity, lead and role.
  OpportunityPersonRole: (operation, transport, e) => ({
    type: 'OpportunityPersonRole',
    operation,
    ...(transport === 'soap' ? { externalKey: { name: 'crmRoleId', value: `EG-${operation}` } } : {}),
    attributes: { Role: `Role ${operation}` },
    associations: [
      { mObjType: 'Opportunity', externalKey: { name: 'crmOpportunityId', value: e.opportunityKey } },
      { mObjType: 'Lead', id: e.leadId },
    ],
  }),
  // REST only (OBJECT_TYPE_TRANSPORTS): over SOAP intake refuses it, and the samples leave it out.
  Company: (operation) => ({
    type: 'Company',
    operation,
    externalKey: { name: 'externalCompanyId', value: `EG-CO-${operation}` },
    attributes: { company: `Company ${operation}`, industry: 'Tools' },
  }),
};

describe.each(TRANSPORTS)('every group intake accepts, over %s', (transport) => {
  it('is written through the producer, drained by a real worker, and settled with an outcome', async () => {
    p = await startPipeline({}, {}, transport);
    const foreignIdField = { MARKETO_REST_FOREIGN_ID_FIELD: 'crmContactId' };
    producer = await createProducer({
      url: inject('redisUrl'),
      prefix: p.prefix,
      ...(transport === 'rest' ? { transport, restForeignIdField: 'crmContactId' } : {}),
    });
    const lead = p.f.emulator.leads.create({ Email: 'eg-existing@example.com' });
    const opportunityKey = 'EG-OPP';
    // Kept under the key name each API matches opportunities by.
    p.f.emulator.mobjects.createObject(
      'Opportunity',
      { Name: 'Existing' },
      {},
      { name: transport === 'rest' ? 'externalOpportunityId' : 'crmOpportunityId', value: opportunityKey },
    );
    const existing: Existing = { leadId: lead.id, opportunityKey };

    const leads: LeadChange[] = [
      ...Object.values(LEAD_SAMPLES).map((sample) => sample(existing)),
      { Email: 'eg-duplicate@example.com', dedupEnabled: false, attributes: { City: 'Kiel' } },
    ];
    const carried = OBJECT_TYPES.filter((type) => OBJECT_TYPE_TRANSPORTS[type].includes(transport));
    const objects: MObjectChange[] = carried.flatMap((type) =>
      OBJECT_TYPE_OPERATIONS[type].map((operation) => OBJECT_SAMPLES[type](operation, transport, existing)),
    );
    const validatedLeads = validateLeads(leads, (i) => i, producer.intake);
    const validatedObjects = validateMObjects(objects, (i) => i, producer.intake);
    expect([...validatedLeads.problems, ...validatedObjects.problems]).toEqual([]);
    const changes: BufferedChange[] = [...validatedLeads.valid, ...validatedObjects.valid].map(
      (v) => v.change,
    );
    // One record of every group intake accepts over this transport, derived from the vocabulary:
    // nothing more, nothing less.
    const intakeGroups = INTAKE_GROUPS.filter((name) => {
      const group = parseGroupName(name)!;
      return (
        group.kind === 'lead' ||
        (group.kind === 'object' && OBJECT_TYPE_TRANSPORTS[group.type].includes(transport))
      );
    });
    expect(changes.map((c) => c.group).sort()).toEqual([...intakeGroups].sort());
    // A type this transport lacks is refused at intake, naming the field and the reason.
    for (const type of OBJECT_TYPES.filter((t) => !carried.includes(t))) {
      const refused = validateMObjects(
        [OBJECT_SAMPLES[type]('UPSERT', transport, existing)],
        (i) => i,
        producer.intake,
      );
      expect(refused.valid).toEqual([]);
      expect(refused.problems).toContainEqual(
        expect.objectContaining({ field: 'type', reason: expect.stringContaining(`does not exist over`) }),
      );
    }
    const refs = await producer.enqueueChanges(changes);

    await p.startWorker({}, transport === 'rest' ? foreignIdField : {});
    await p.drained();

    const outcomes = await producer.buffer.outcomes.latestOf(refs.map((r) => r.key));
    const byGroup = Object.fromEntries(changes.map((c, i) => [c.group, outcomes[i]?.status ?? 'none']));
    // Marketo applied each one; an UPDATE of an object that does not exist yet is answered SKIPPED.
    for (const [group, status] of Object.entries(byGroup)) {
      const parsed = parseGroupName(group);
      const answered =
        parsed?.kind === 'object' && parsed.operation === 'UPDATE' && parsed.type !== 'Program'
          ? ['SKIPPED']
          : ['CREATED', 'UPDATED'];
      expect(answered, `${group}: ${status}`).toContain(status);
    }
    expect(await producer.buffer.deadLetters()).toEqual([]);
  });
});

describe('a group in Redis this release does not know', () => {
  it('is reported by the worker as an error naming it, not left without a word', async () => {
    p = await startPipeline();
    const keys = p.producer.buffer.keys;
    const now = Date.now();
    // What a newer release with a type this one lacks would have written.
    await p.redis
      .multi()
      .hset(
        keys.rec('O:Car:id:1'),
        'group',
        'O:Car:UPSERT',
        'data',
        '{"type":"Car","id":1}',
        'first',
        1,
        't0',
        now,
      )
      .zadd(keys.dirty('O:Car:UPSERT'), now, 'O:Car:id:1')
      .sadd(keys.groups, 'O:Car:UPSERT')
      .exec();
    const errors: { msg: string; fields?: Record<string, unknown> }[] = [];
    const seen = new Promise<void>((resolve) => {
      const record = (msg: string, fields?: Record<string, unknown>): void => {
        errors.push({ msg, ...(fields ? { fields } : {}) });
        if (msg.includes('does not know')) resolve();
      };
      void p!.startWorker({
        log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: record },
      });
    });
    await seen;
    expect(errors.find((e) => e.msg.includes('does not know'))!.fields).toEqual({ groups: ['O:Car:UPSERT'] });
    // The record is still there, untouched, for the release that knows its group.
    expect(await p.redis.zscore(keys.dirty('O:Car:UPSERT'), 'O:Car:id:1')).not.toBeNull();
  });
});
