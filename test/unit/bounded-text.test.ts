import { describe, expect, it } from 'vitest';
import { boundText, MAX_ANSWER_TEXT } from '../../src/bounded-text.js';
import { MalformedResultError, ResponseFormatError } from '../../src/soap/faults.js';
import { parseFault, parseSyncMultipleLeads } from '../../src/soap/response.js';

const envelope = (inner: string): string =>
  `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://www.marketo.com/mktows/"><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
const leads = (statuses: string): string =>
  envelope(
    `<ns1:successSyncMultipleLeads><result><syncStatusList>${statuses}</syncStatusList></result></ns1:successSyncMultipleLeads>`,
  );

describe('boundText', () => {
  it('keeps short text and cuts long text with a marker saying how much was cut', () => {
    expect(boundText('CREATED')).toBe('CREATED');
    const cut = boundText('x'.repeat(5000));
    expect(cut).toBe(`${'x'.repeat(MAX_ANSWER_TEXT)}… [${5000 - MAX_ANSWER_TEXT} characters cut]`);
  });

  it('never splits a surrogate pair', () => {
    const cut = boundText(`${'a'.repeat(9)}😀rest`, 10);
    expect(cut.startsWith('a'.repeat(9) + '…')).toBe(true);
    expect(cut.isWellFormed()).toBe(true);
  });
});

describe('answers are bounded where they are parsed', () => {
  it('an error text of 1 MB is kept as 1 KB and a marker', () => {
    const [r] = parseSyncMultipleLeads(
      leads(
        `<syncStatus><leadId>1</leadId><status>FAILED</status><error>${'e'.repeat(1 << 20)}</error></syncStatus>`,
      ),
      1,
    );
    expect(r!.error!.length).toBeLessThan(MAX_ANSWER_TEXT + 40);
    expect(r!.error).toMatch(/characters cut\]$/);
  });

  it('a lead id that is not a safe integer makes the answer indeterminate, never a success', () => {
    const parse = () =>
      parseSyncMultipleLeads(
        leads('<syncStatus><leadId>99999999999999999999</leadId><status>CREATED</status></syncStatus>'),
        1,
      );
    expect(parse).toThrow(MalformedResultError);
    expect(parse).toThrow(expect.objectContaining({ category: 'indeterminate' }));
  });

  it('an unknown status of 1 MB is named in at most 100 characters', () => {
    try {
      parseSyncMultipleLeads(
        leads(`<syncStatus><leadId>1</leadId><status>${'S'.repeat(1 << 20)}</status></syncStatus>`),
        1,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ResponseFormatError);
      expect((error as Error).message.length).toBeLessThan(300);
    }
  });

  it('far more markup than the records need is refused before it is parsed', () => {
    expect(() => parseSyncMultipleLeads(leads('<syncStatus/>'.repeat(10_000)), 2)).toThrow(/more than/);
  });

  it('fault texts are bounded', () => {
    const fault = parseFault(
      envelope(
        `<SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode><faultstring>${'f'.repeat(1 << 20)}</faultstring><detail><ns1:serviceException><message>${'m'.repeat(1 << 20)}</message><code>10001</code></ns1:serviceException></detail></SOAP-ENV:Fault>`,
      ),
    )!;
    expect(fault.code).toBe(10001);
    expect(fault.faultString.length).toBeLessThan(MAX_ANSWER_TEXT + 40);
    expect(fault.message.length).toBeLessThan(3 * MAX_ANSWER_TEXT);
  });
});
