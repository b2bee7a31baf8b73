import { describe, expect, it } from 'vitest';
import {
  buildSyncMObjects,
  buildSyncMultipleLeads,
  soapAction,
  wrapEnvelope,
} from '../../src/soap/envelope.js';
import type { LeadRecord, MObject, SyncOperation } from '../../src/soap/types.js';
import { XmlTextError } from '../../src/soap/xml-text.js';
import { child, children, parseXml, textOf } from '../../src/soap/xml-parse.js';
import { validateAgainstSchema } from '../helpers/schema.js';

const HEADER = {
  mktowsUserId: 'demo17_1_809934544BFABAE58E5D27',
  requestSignature: 'b5e21953ae9f1b263e644da5eccce9ff33802513',
  requestTimestamp: '2013-08-01T18:22:30-07:00',
};

const LEAD_CASES: [string, LeadRecord[], boolean | undefined][] = [
  ['Id only', [{ Id: 42 }], undefined],
  [
    'Email with attributes, dedup on',
    [{ Email: 'a@example.com', attributes: [{ name: 'Company', value: 'Acme' }] }],
    true,
  ],
  [
    'ForeignSysPersonId with type, dedup off',
    [{ ForeignSysPersonId: 'crm-1', ForeignSysType: 'SFDC' }],
    false,
  ],
  [
    'every LeadRecord element, attrType included',
    [
      {
        Id: 2147483647,
        Email: 'x@example.com',
        ForeignSysPersonId: 'N-1',
        ForeignSysType: 'NETSUITE',
        attributes: [
          { name: 'FirstName', value: 'Zoë', type: 'string' },
          { name: 'Notes', value: '' },
        ],
      },
    ],
    true,
  ],
  ['an empty attribute list', [{ Email: 'e@example.com', attributes: [] }], undefined],
  ['no records', [], undefined],
  [
    'several records',
    [{ Id: 1 }, { Email: 'b@example.com' }, { ForeignSysPersonId: 'c', ForeignSysType: 'CUSTOM' }],
    undefined,
  ],
];

const MOBJECT_CASES: [string, MObject[], SyncOperation][] = [
  [
    'Program cost and tag',
    [
      {
        type: 'Program',
        id: 1970,
        typeAttributes: [
          {
            attrType: 'Cost',
            attributes: [
              { name: 'Month', value: '2013-06' },
              { name: 'Amount', value: '2000' },
              { name: 'Id', value: '153' },
              { name: 'Note', value: 'booth' },
            ],
          },
          {
            attrType: 'Tag',
            attributes: [
              { name: 'Type', value: 'Channel' },
              { name: 'Value', value: 'Webinar' },
            ],
          },
        ],
      },
    ],
    'UPDATE',
  ],
  [
    'every MObject element',
    [
      {
        type: 'Opportunity',
        id: 7,
        externalKey: { name: 'crmId', value: 'OPP-7' },
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-02T00:00:00+01:00',
        attributes: [{ name: 'Name', value: 'Big deal' }],
        typeAttributes: [{ attrType: 'Tag', attributes: [] }],
        associations: [
          { mObjType: 'Company', id: 5001 },
          { mObjType: 'Company', externalKey: { name: 'crmAccountId', value: 'ACME-001' } },
        ],
      },
    ],
    'UPSERT',
  ],
  [
    'OpportunityPersonRole insert',
    [
      {
        type: 'OpportunityPersonRole',
        attributes: [
          { name: 'OpportunityId', value: '7' },
          { name: 'PersonId', value: '9' },
        ],
      },
    ],
    'INSERT',
  ],
];

describe('request bodies', () => {
  it.each(LEAD_CASES)('syncMultipleLeads with %s validates against the schema', (_name, records, dedup) => {
    expect(validateAgainstSchema(buildSyncMultipleLeads(records, dedup).bodyXml)).toBe('');
  });

  it.each(MOBJECT_CASES)('syncMObjects with %s validates against the schema', (_name, objects, operation) => {
    expect(validateAgainstSchema(buildSyncMObjects(objects, operation).bodyXml)).toBe('');
  });

  it('the schema check can fail: a wrong element order is refused', () => {
    const wrong =
      '<ns1:paramsSyncMultipleLeads xmlns:ns1="http://www.marketo.com/mktows/"><dedupEnabled>true</dedupEnabled>' +
      '<leadRecordList/></ns1:paramsSyncMultipleLeads>';
    expect(validateAgainstSchema(wrong)).toMatch(/dedupEnabled/);
  });

  it('writes the published syncMultipleLeads request exactly (children unqualified, schema order)', () => {
    const request = buildSyncMultipleLeads(
      [1000, 1001].map((n) => ({
        Email: `em${n}@etestd.marketo.net`,
        attributes: [
          { name: 'Company', value: `Marketo${n}` },
          { name: 'Phone', value: `650-555-${n}` },
        ],
      })),
      true,
    );
    expect(wrapEnvelope(HEADER, request)).toMatchSnapshot();
  });

  it('writes the published syncMObjects request exactly', () => {
    const request = buildSyncMObjects(
      [
        {
          type: 'Program',
          id: 1970,
          typeAttributes: [
            {
              attrType: 'Cost',
              attributes: [
                { name: 'Month', value: '2013-06' },
                { name: 'Amount', value: '2000' },
                { name: 'Id', value: '153' },
              ],
            },
          ],
        },
      ],
      'UPDATE',
    );
    expect(request.bodyXml).toMatchSnapshot();
  });

  it('names the SOAPAction of each operation', () => {
    expect(soapAction('syncMultipleLeads')).toBe('"http://www.marketo.com/mktows/syncMultipleLeads"');
    expect(soapAction('syncMObjects')).toBe('"http://www.marketo.com/mktows/syncMObjects"');
  });
});

describe('text values', () => {
  const tricky = [
    'a & b',
    '<tag>',
    '"quoted" \'single\'',
    'Zoë Ünïcødé 日本 😀',
    '  padded  ',
    'line\nbreak\ttab',
    'cr\r\nlf',
    ']]>',
    // xmlbuilder2 wrote an entity reference it recognised unescaped: "&amp;" arrived as "&".
    'Tom &amp; Jerry',
    'a&nbsp;b',
    '&#38;',
    '&lt;b&gt;',
  ];

  it.each(tricky)('round-trips %j exactly', (value) => {
    const request = buildSyncMultipleLeads([{ Email: value, attributes: [{ name: 'Notes', value }] }]);
    const parsed = parseXml(request.bodyXml);
    const record = children(
      child(child(parsed, 'paramsSyncMultipleLeads'), 'leadRecordList'),
      'leadRecord',
    )[0];
    expect(textOf(child(record, 'Email'))).toBe(value);
    expect(textOf(child(children(child(record, 'leadAttributeList'), 'attribute')[0], 'attrValue'))).toBe(
      value,
    );
  });

  it.each([
    ['a control character', 'bell\u0007', /U\+0007/],
    ['a lone surrogate', 'x\uD800y', /surrogate/],
    ['U+FFFF', 'x\uFFFF', /U\+FFFF/],
  ])('refuses %s, naming the field', (_what, value, reason) => {
    const attempt = (): unknown =>
      buildSyncMultipleLeads([
        { Email: 'ok@example.com' },
        { Email: 'b@example.com', attributes: [{ name: 'Notes', value }] },
      ]);
    expect(attempt).toThrow(XmlTextError);
    expect(attempt).toThrow(/^leadRecord\[1\]\.leadAttributeList\.attribute\[0\]\.attrValue: /);
    expect(attempt).toThrow(reason);
  });

  it('refuses a record without a key and a ForeignSysPersonId without its type', () => {
    expect(() => buildSyncMultipleLeads([{ attributes: [] }])).toThrow(
      /leadRecord\[0\]: needs at least one of Id, Email/,
    );
    expect(() => buildSyncMultipleLeads([{ ForeignSysPersonId: 'x' }])).toThrow(
      /leadRecord\[0\]\.ForeignSysType: is required/,
    );
  });

  it('refuses ids that are not 32-bit integers and unknown operations', () => {
    expect(() => buildSyncMultipleLeads([{ Id: 2 ** 31 }])).toThrow(
      /leadRecord\[0\]\.Id: must be a 32-bit integer/,
    );
    expect(() => buildSyncMObjects([{ type: 'Opportunity', id: 1.5 }], 'UPSERT')).toThrow(/mObject\[0\]\.id/);
    expect(() => buildSyncMObjects([], 'DELETE' as SyncOperation)).toThrow(
      /operation: must be one of INSERT, UPDATE, UPSERT/,
    );
  });
});
