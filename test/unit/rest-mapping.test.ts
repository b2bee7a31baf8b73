import { describe, expect, it } from 'vitest';
import { leadFieldTable, objectFieldTable } from '../../src/rest/describe.js';
import { restLeadProblems, restObjectProblems } from '../../src/rest/expressible.js';
import { leadCallShape, restLead } from '../../src/rest/leads.js';
import { restObject } from '../../src/rest/objects.js';
import { programForm } from '../../src/rest/programs.js';
import { planBodies } from '../../src/rest/split.js';
import { restValue } from '../../src/rest/values.js';
import type { LeadGroup } from '../../src/transport/contract.js';
import { LEAD_DESCRIBE, OPPORTUNITY_DESCRIBE, ROLE_DESCRIBE } from '../fixtures/rest-describe.js';

const leads = leadFieldTable(LEAD_DESCRIBE);
const byEmail: LeadGroup = { kind: 'lead', key: 'Email', dedupEnabled: true };
const byId: LeadGroup = { kind: 'lead', key: 'Id', dedupEnabled: true };
const byForeign: LeadGroup = { kind: 'lead', key: 'ForeignSysPersonId', dedupEnabled: true };
const duplicate: LeadGroup = { kind: 'lead', dedupEnabled: false };

describe('lead groups → Sync Leads action and lookupField', () => {
  it('one shape per group', () => {
    expect(leadCallShape(byId, 'crmContactId')).toEqual({ action: 'updateOnly', lookupField: 'id' });
    expect(leadCallShape(byEmail, 'crmContactId')).toEqual({
      action: 'createOrUpdate',
      lookupField: 'email',
    });
    expect(leadCallShape(byForeign, 'crmContactId')).toEqual({
      action: 'createOrUpdate',
      lookupField: 'crmContactId',
    });
    expect(leadCallShape(duplicate, undefined)).toEqual({ action: 'createDuplicate' });
  });
});

describe('lead fields: SOAP names → REST names from Describe', () => {
  it('renames SOAP names, keeps REST names, converts values by declared type, clears with null', () => {
    const mapped = restLead(
      {
        Email: 'ada@example.com',
        attributes: {
          FirstName: 'Ada',
          lastName: 'Lovelace',
          LeadScore: '40',
          Unsubscribed: 'false',
          crmcontactid: '',
        },
      },
      byEmail,
      leads,
    );
    expect(mapped).toEqual({
      ok: true,
      record: {
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        leadScore: 40,
        unsubscribed: false,
        crmContactId: null,
      },
    });
  });

  it('a field the instance does not have fails that record, naming the field', () => {
    expect(restLead({ Email: 'a@b.c', attributes: { Pants: 'blue' } }, byEmail, leads)).toEqual({
      ok: false,
      problem: { field: 'attributes.Pants', reason: expect.stringContaining('not a lead field') },
    });
  });

  it('a read-only field, or two names for one field with different values, fail the record', () => {
    expect(restLead({ Email: 'a@b.c', attributes: { CreatedAt: 'x' } }, byEmail, leads)).toMatchObject({
      ok: false,
      problem: { field: 'attributes.CreatedAt' },
    });
    expect(
      restLead({ Email: 'a@b.c', attributes: { FirstName: 'A', firstName: 'B' } }, byEmail, leads),
    ).toMatchObject({ ok: false, problem: { field: 'attributes.firstName' } });
  });

  it('keys by group: id for updateOnly (no email unless an attribute), the foreign-id field for ForeignSysPersonId', () => {
    expect(restLead({ Id: 7, Email: 'old@x.y', attributes: { FirstName: 'A' } }, byId, leads)).toEqual({
      ok: true,
      record: { id: 7, firstName: 'A' },
    });
    expect(
      restLead(
        { ForeignSysPersonId: 'C-1', ForeignSysType: 'CUSTOM', Email: 'a@b.c', attributes: {} },
        byForeign,
        leads,
        { foreignIdField: 'crmContactId' },
      ),
    ).toEqual({ ok: true, record: { email: 'a@b.c', crmContactId: 'C-1' } });
  });
});

describe('what REST cannot express is refused, naming the field', () => {
  it('leads', () => {
    expect(restLeadProblems({ ForeignSysPersonId: 'C-1', ForeignSysType: 'SFDC', attributes: {} })).toEqual([
      { field: 'ForeignSysPersonId', reason: expect.stringContaining('MARKETO_REST_FOREIGN_ID_FIELD') },
    ]);
    expect(restLeadProblems({ Email: 'jürgen@example.com', attributes: {} })[0]?.field).toBe('Email');
    expect(restLeadProblems({ Id: 5, attributes: {} }, false)[0]?.field).toBe('Id');
    expect(restLeadProblems({ Email: 'a@b.c', attributes: { FirstName: 'Ä' } })).toEqual([]);
    // Every attribute REST reads as the email address, in any letter case, not only the first.
    expect(
      restLeadProblems({
        Email: 'a@b.c',
        attributes: { Email: 'a@b.c', EMAIL: 'é@b.c', email: 'ü@b.c' },
      }).map((p) => p.field),
    ).toEqual(['attributes.EMAIL', 'attributes.email']);
  });

  it('an Opportunity keyed by a SOAP integer id, or linked to a company by id', () => {
    expect(
      restObjectProblems({ type: 'Opportunity', id: 2000001, attributes: {} }, 'UPDATE').map((p) => p.field),
    ).toEqual(['id', 'externalKey']);
    expect(
      restObjectProblems(
        {
          type: 'Opportunity',
          externalKey: { name: 'crmOpportunityId', value: 'OPP-1' },
          associations: [{ mObjType: 'Company', id: 5001 }],
        },
        'UPSERT',
      ),
    ).toEqual([{ field: 'associations.0.id', reason: expect.stringContaining('external id') }]);
  });

  it('a cost entry updated by Id, a fractional amount, a Program insert', () => {
    const problems = restObjectProblems(
      {
        type: 'Program',
        id: 1001,
        typeAttributes: [{ attrType: 'Cost', attributes: { Id: '3001', Month: '2026-11', Amount: '12.5' } }],
      },
      'INSERT',
    );
    expect(problems.map((p) => p.field)).toEqual([
      'operation',
      'typeAttributes.0.attributes.Id',
      'typeAttributes.0.attributes.Amount',
    ]);
  });

  it('a role keyed by the SOAP OpportunityId', () => {
    const problems = restObjectProblems(
      {
        type: 'OpportunityPersonRole',
        attributes: { OpportunityId: '2000001', PersonId: '5', Role: 'Buyer' },
      },
      'UPSERT',
    );
    expect(problems.map((p) => p.field)).toEqual(['attributes.OpportunityId']);
  });
});

describe('objects and programs', () => {
  it('an Opportunity: externalKey value → externalOpportunityId, company key → externalCompanyId, names by Describe', () => {
    const table = objectFieldTable(OPPORTUNITY_DESCRIBE);
    const mapped = restObject(
      {
        type: 'Opportunity',
        externalKey: { name: 'crmOpportunityId', value: 'OPP-1' },
        attributes: { Name: 'Renewal', Amount: '48000', LeadSource: 'Web' },
        associations: [{ mObjType: 'Company', externalKey: { name: 'crmAccountId', value: 'ACME-001' } }],
      },
      'Opportunity',
      'UPSERT',
      table,
    );
    expect(mapped).toEqual({
      ok: true,
      record: {
        externalOpportunityId: 'OPP-1',
        externalCompanyId: 'ACME-001',
        name: 'Renewal',
        amount: 48000,
        source: 'Web',
      },
    });
    expect(
      restObject(
        { type: 'Opportunity', externalKey: { name: 'k', value: 'v' }, attributes: { Colour: 'red' } },
        'Opportunity',
        'UPSERT',
        table,
      ),
    ).toMatchObject({ ok: false, problem: { field: 'attributes.Colour' } });
  });

  it('a record of another type than its call fails, naming the type', () => {
    const table = objectFieldTable(OPPORTUNITY_DESCRIBE);
    expect(restObject({ type: 'Program', id: 1 }, 'Opportunity', 'UPDATE', table)).toMatchObject({
      ok: false,
      problem: { field: 'type' },
    });
    expect(programForm({ type: 'Opportunity', id: 1 })).toMatchObject({
      ok: false,
      problem: { field: 'type' },
    });
  });

  it('a role: Opportunity association → externalOpportunityId, PersonId → leadId', () => {
    const mapped = restObject(
      {
        type: 'OpportunityPersonRole',
        attributes: { PersonId: '1000001', Role: 'Decision Maker', IsPrimary: 'true' },
        associations: [
          { mObjType: 'Opportunity', externalKey: { name: 'crmOpportunityId', value: 'OPP-1' } },
        ],
      },
      'OpportunityPersonRole',
      'UPSERT',
      objectFieldTable(ROLE_DESCRIBE),
    );
    expect(mapped).toEqual({
      ok: true,
      record: { externalOpportunityId: 'OPP-1', leadId: 1000001, role: 'Decision Maker', isPrimary: true },
    });
  });

  it('a Program: costs appended with the month’s first day, tags as type/value', () => {
    const form = programForm({
      type: 'Program',
      id: 1001,
      typeAttributes: [
        { attrType: 'Cost', attributes: { Month: '2026-11', Amount: '2500', Note: 'Webinar platform' } },
        { attrType: 'Tag', attributes: { Type: 'Region', Value: 'EMEA' } },
      ],
    });
    expect(form.ok).toBe(true);
    const fields = new URLSearchParams(form.ok ? form.body : '');
    expect(JSON.parse(fields.get('costs')!)).toEqual([
      { startDate: '2026-11-01', cost: 2500, note: 'Webinar platform' },
    ]);
    expect(JSON.parse(fields.get('tags')!)).toEqual([{ tagType: 'Region', tagValue: 'EMEA' }]);
    expect(fields.get('costsDestructiveUpdate')).toBe('false');
  });
});

describe('values by declared type', () => {
  it('converts what reads as the type and leaves the rest as text', () => {
    expect(restValue('42', { dataType: 'integer' })).toBe(42);
    expect(restValue('4.5', { dataType: 'integer' })).toBe('4.5');
    expect(restValue('1604.47', { dataType: 'currency' })).toBe(1604.47);
    expect(restValue('1', { dataType: 'boolean' })).toBe(true);
    expect(restValue('00123', { dataType: 'string' })).toBe('00123');
    expect(restValue('', { dataType: 'string' })).toBeNull();
  });
});

describe('request bodies under the size limit', () => {
  it('cuts records into consecutive requests that fit, keeping order', () => {
    // overhead 10, limit 100: 40+1+40 = 81 + 10 fits; a third does not.
    expect(planBodies([40, 40, 40, 40, 40], 10, 100)).toEqual({
      requests: [[0, 1], [2, 3], [4]],
      tooLarge: [],
    });
  });

  it('honours the record count limit too', () => {
    expect(planBodies([1, 1, 1, 1, 1], 10, 1000, 2).requests).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('sets aside a record that alone is too large, and packs the rest', () => {
    expect(planBodies([10, 95, 10], 10, 100)).toEqual({ requests: [[0, 2]], tooLarge: [1] });
  });

  it('never plans a body over the limit (300 records of random sizes up to 8 KB)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const sizes = Array.from({ length: 300 }, () => Math.floor(random() * 8000) + 2);
    const plan = planBodies(sizes, 60, 100_000, 300);
    for (const request of plan.requests) {
      const bytes = 60 + request.reduce((sum, i) => sum + sizes[i]!, 0) + request.length - 1;
      expect(bytes).toBeLessThanOrEqual(100_000);
    }
    expect(plan.requests.flat()).toEqual(sizes.map((_, i) => i));
  });
});
