import { describe, expect, it } from 'vitest';
import { MarketoFault, ResponseFormatError, ResultCountMismatchError } from '../../src/soap/faults.js';
import { parseFault, parseSyncMObjects, parseSyncMultipleLeads } from '../../src/soap/response.js';

// The published answers, verbatim from Marketo's syncMultipleLeads and syncMObjects pages.
const LEADS_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="http://www.marketo.com/mktows/">
  <SOAP-ENV:Body>
    <ns1:successSyncMultipleLeads>
      <result>
        <syncStatusList>
          <syncStatus>
            <leadId>1090240</leadId>
            <status>UPDATED</status>
            <error xsi:nil="true" />
          </syncStatus>
          <syncStatus>
            <leadId>1090239</leadId>
            <status>UPDATED</status>
            <error xsi:nil="true" />
          </syncStatus>
        </syncStatusList>
      </result>
    </ns1:successSyncMultipleLeads>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;

const MOBJECTS_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://www.marketo.com/mktows/">
  <SOAP-ENV:Body>
    <ns1:successSyncMObjects>
      <result>
        <mObjStatusList>
          <mObjStatus>
            <id>1970</id>
            <status>UPDATED</status>
          </mObjStatus>
        </mObjStatusList>
      </result>
    </ns1:successSyncMObjects>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;

const FAULT = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
  <SOAP-ENV:Body>
    <SOAP-ENV:Fault>
      <faultcode>SOAP-ENV:Client</faultcode>
      <faultstring>20014 - Authentication failed</faultstring>
      <detail>
        <ns1:serviceException xmlns:ns1="http://www.marketo.com/mktows/">
          <name>mktServiceException</name>
          <message>Authentication failed (20014)</message>
          <code>20014</code>
        </ns1:serviceException>
      </detail>
    </SOAP-ENV:Fault>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;

describe('parseSyncMultipleLeads', () => {
  it('reads the published answer, one result per record in order', () => {
    expect(parseSyncMultipleLeads(LEADS_ANSWER, 2)).toEqual([
      { leadId: 1090240, status: 'UPDATED' },
      { leadId: 1090239, status: 'UPDATED' },
    ]);
  });

  it('keeps the error text of a FAILED record', () => {
    const xml = LEADS_ANSWER.replace(
      '<status>UPDATED</status>\n            <error xsi:nil="true" />',
      '<status>FAILED</status><error>20103 - Lead not found</error>',
    );
    expect(parseSyncMultipleLeads(xml, 2)[0]).toEqual({
      leadId: 1090240,
      status: 'FAILED',
      error: '20103 - Lead not found',
    });
  });

  it('treats a count mismatch as an indeterminate error, never success', () => {
    const error = (() => {
      try {
        parseSyncMultipleLeads(LEADS_ANSWER, 3);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResultCountMismatchError);
    expect(error).toMatchObject({ expected: 3, received: 2, category: 'indeterminate' });
  });

  it('throws the fault of a fault answer', () => {
    expect(() => parseSyncMultipleLeads(FAULT, 1)).toThrow(MarketoFault);
  });

  it.each([
    ['truncated', LEADS_ANSWER.slice(0, 300)],
    ['HTML from a proxy', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['empty', ''],
    ['plain text', 'Service Unavailable'],
    ['a SOAP body of another operation', MOBJECTS_ANSWER],
    ['an unknown status', LEADS_ANSWER.replaceAll('UPDATED', 'MERGED')],
    ['a non-integer leadId', LEADS_ANSWER.replace('1090240', 'abc')],
    ['a DTD', `<!DOCTYPE x [<!ENTITY e "boom">]>${LEADS_ANSWER.replace(/^<\?xml[^>]*>/, '')}`],
  ])('refuses %s as a format error', (_name, xml) => {
    expect(() => parseSyncMultipleLeads(xml, 2)).toThrow(ResponseFormatError);
  });
});

describe('parseSyncMObjects', () => {
  it('reads the published answer', () => {
    expect(parseSyncMObjects(MOBJECTS_ANSWER, 1)).toEqual([{ id: 1970, status: 'UPDATED' }]);
  });

  it('reads externalKey and error', () => {
    const xml = MOBJECTS_ANSWER.replace(
      '<status>UPDATED</status>',
      '<externalKey><name>crmId</name><value>O-1</value></externalKey><status>FAILED</status><error>bad &amp; worse</error>',
    );
    expect(parseSyncMObjects(xml, 1)).toEqual([
      { id: 1970, status: 'FAILED', externalKey: { name: 'crmId', value: 'O-1' }, error: 'bad & worse' },
    ]);
  });

  it('checks the count', () => {
    expect(() => parseSyncMObjects(MOBJECTS_ANSWER, 2)).toThrow(ResultCountMismatchError);
  });
});

describe('parseFault', () => {
  it("reads Marketo's published fault", () => {
    const fault = parseFault(FAULT);
    expect(fault).toBeInstanceOf(MarketoFault);
    expect(fault).toMatchObject({
      code: 20014,
      faultCode: 'SOAP-ENV:Client',
      faultString: '20014 - Authentication failed',
      detailMessage: 'Authentication failed (20014)',
      category: 'auth',
    });
  });

  it('returns undefined for a success and throws for non-SOAP', () => {
    expect(parseFault(LEADS_ANSWER)).toBeUndefined();
    expect(() => parseFault('<html/>')).toThrow(ResponseFormatError);
  });
});
