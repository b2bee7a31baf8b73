import { describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../helpers/schema.js';

/** The project's schema (test/fixtures/mktows-requests.xsd) refuses what Marketo's published one refuses. */
const NS = 'xmlns:ns1="http://www.marketo.com/mktows/"';
const leads = (inner: string) =>
  `<ns1:paramsSyncMultipleLeads ${NS}><leadRecordList>${inner}</leadRecordList></ns1:paramsSyncMultipleLeads>`;
const objects = (inner: string, operation = 'UPSERT') =>
  `<ns1:paramsSyncMObjects ${NS}><mObjectList>${inner}</mObjectList><operation>${operation}</operation></ns1:paramsSyncMObjects>`;

describe('the project schema of request bodies', () => {
  it.each([
    ['a lead Id beyond 32 bits', leads('<leadRecord><Id>2147483648</Id></leadRecord>'), /Id/],
    ['Email before Id', leads('<leadRecord><Email>a@b.c</Email><Id>1</Id></leadRecord>'), /Id/],
    [
      'an unknown ForeignSysType',
      leads('<leadRecord><ForeignSysType>CRM</ForeignSysType></leadRecord>'),
      /ForeignSysType/,
    ],
    [
      'an attribute without attrValue',
      leads(
        '<leadRecord><leadAttributeList><attribute><attrName>A</attrName></attribute></leadAttributeList></leadRecord>',
      ),
      /attrValue|attribute/,
    ],
    [
      'a qualified child element',
      `<ns1:paramsSyncMultipleLeads ${NS}><ns1:leadRecordList/></ns1:paramsSyncMultipleLeads>`,
      /leadRecordList/,
    ],
    [
      'an object id before its type',
      objects('<mObject><id>1</id><type>Opportunity</type></mObject>'),
      /id|type/,
    ],
    ['an unknown operation', objects('<mObject><type>Program</type></mObject>', 'DELETE'), /operation/],
    [
      'a createdAt that is no dateTime',
      objects('<mObject><type>Opportunity</type><createdAt>yesterday</createdAt></mObject>'),
      /createdAt/,
    ],
    [
      'an association without mObjType',
      objects(
        '<mObject><type>Opportunity</type><associationList><mObjAssociation><id>1</id></mObjAssociation></associationList></mObject>',
      ),
      /mObjAssociation|id/,
    ],
  ])('refuses %s', (_name, xml, complaint) => {
    expect(validateAgainstSchema(xml)).toMatch(complaint);
  });

  it('accepts a minimal request of each operation', () => {
    expect(validateAgainstSchema(leads(''))).toBe('');
    expect(
      validateAgainstSchema(objects('<mObject><type>Program</type><id>1</id></mObject>', 'UPDATE')),
    ).toBe('');
  });
});
