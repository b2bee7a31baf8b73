import soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, w3cTimestamp } from '../../src/soap/signature.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';

// The npm `soap` package is an independent client: built from the emulator's WSDL, it must work unchanged.
let f: EmulatorFixture;
let client: soap.Client;

beforeAll(async () => {
  f = await startFixture();
  client = await soap.createClientAsync(`${f.emulator.endpoint}?wsdl`);
});
afterAll(() => f.close());

function sign(): void {
  const { userId, encryptionKey } = f.credentials;
  const requestTimestamp = w3cTimestamp();
  client.clearSoapHeaders();
  client.addSoapHeader(
    {
      AuthenticationHeader: {
        mktowsUserId: userId,
        requestSignature: signRequest(encryptionKey, requestTimestamp, userId),
        requestTimestamp,
      },
    },
    '',
    'ns1',
    'http://www.marketo.com/mktows/',
  );
}

describe('the npm soap package against the emulator WSDL', () => {
  it('describes both operations at the emulator address', () => {
    const description = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    const port = Object.values(Object.values(description)[0]!)[0]!;
    expect(Object.keys(port).sort()).toEqual(['syncMObjects', 'syncMultipleLeads']);
  });

  it('calls syncMultipleLeads and gets CREATED then UPDATED', async () => {
    const args = {
      leadRecordList: {
        leadRecord: [
          {
            Email: 'wsdl@example.com',
            leadAttributeList: { attribute: [{ attrName: 'FirstName', attrValue: 'Wes' }] },
          },
        ],
      },
      dedupEnabled: true,
    };
    sign();
    const [first] = (await client.syncMultipleLeadsAsync(args)) as [
      { result: { syncStatusList: { syncStatus: { leadId: number; status: string }[] } } },
    ];
    expect(first.result.syncStatusList.syncStatus[0]!.status).toBe('CREATED');
    sign();
    const [second] = (await client.syncMultipleLeadsAsync(args)) as [typeof first];
    expect(second.result.syncStatusList.syncStatus[0]).toMatchObject({
      status: 'UPDATED',
      leadId: first.result.syncStatusList.syncStatus[0]!.leadId,
    });
    expect(f.emulator.leads.all().map((l) => l.attributes.FirstName)).toEqual(['Wes']);
  });

  it('calls syncMObjects and gets UPDATED for a program cost', async () => {
    sign();
    const [answer] = (await client.syncMObjectsAsync({
      mObjectList: {
        mObject: [
          {
            type: 'Program',
            id: 1002,
            typeAttribList: {
              typeAttrib: [
                {
                  attrType: 'Cost',
                  attrList: {
                    attrib: [
                      { name: 'Month', value: '2026-11' },
                      { name: 'Amount', value: '99' },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
      operation: 'UPDATE',
    })) as [{ result: { mObjStatusList: { mObjStatus: { id: number; status: string }[] } } }];
    expect(answer.result.mObjStatusList.mObjStatus[0]).toEqual({ id: 1002, status: 'UPDATED' });
  });

  it('sees a fault as a SOAP fault with Marketo code', async () => {
    client.clearSoapHeaders();
    const error = (await client
      .syncMultipleLeadsAsync({ leadRecordList: { leadRecord: [{ Email: 'x@example.com' }] } })
      .catch((e: unknown) => e)) as {
      root: { Envelope: { Body: { Fault: { faultstring: string } } } };
    };
    expect(error.root.Envelope.Body.Fault.faultstring).toBe('20014 - Authentication failed');
  });
});
