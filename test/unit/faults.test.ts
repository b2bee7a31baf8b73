import { describe, expect, it } from 'vitest';
import { categorizeFaultCode, HttpStatusError, MarketoFault } from '../../src/soap/faults.js';

describe('categorizeFaultCode', () => {
  it.each([
    [10001, 'transient'],
    [20011, 'transient'],
    [20023, 'throttle'],
    [20024, 'throttle'],
    [20015, 'quota'],
    [20016, 're-sign'],
    [20013, 'auth'],
    [20014, 'auth'],
    [20012, 'invalid-request'],
    [20017, 'invalid-request'],
    [20018, 'invalid-request'],
    [20019, 'invalid-request'],
    [20101, 'invalid-record'],
    [20105, 'invalid-record'],
    [20106, 'invalid-record'],
    [20110, 'invalid-record'],
  ] as const)('%i is %s', (code, category) => {
    expect(categorizeFaultCode(code)).toBe(category);
  });

  it('treats a fault without a code as transient, an unknown client code as an invalid request', () => {
    expect(categorizeFaultCode(undefined)).toBe('transient');
    expect(categorizeFaultCode(29999)).toBe('invalid-request');
    expect(categorizeFaultCode(29999, true)).toBe('transient');
  });
});

describe('MarketoFault', () => {
  it('carries the code, category and a message without repeating Marketo', () => {
    const fault = new MarketoFault(
      20105,
      'SOAP-ENV:Client',
      '20105 - Lead Attribute Bad',
      'unknown fields for import: pants (20105)',
    );
    expect(fault.category).toBe('invalid-record');
    expect(fault.message).toBe('20105 - Lead Attribute Bad: unknown fields for import: pants');
    const auth = new MarketoFault(
      20014,
      'SOAP-ENV:Client',
      '20014 - Authentication failed',
      'Authentication failed (20014)',
    );
    expect(auth.message).toBe('20014 - Authentication failed');
  });
});

describe('HttpStatusError', () => {
  it.each([
    [502, 'transient'],
    [503, 'transient'],
    [401, 'auth'],
    [404, 'invalid-request'],
  ] as const)('HTTP %i is %s', (status, category) => {
    expect(new HttpStatusError(status).category).toBe(category);
  });
});
