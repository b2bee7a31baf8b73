import { describe, expect, it } from 'vitest';
import {
  categorizeFaultCode,
  HttpStatusError,
  MarketoFault,
  MAX_NAMED_FIELD_LENGTH,
  MAX_NAMED_FIELDS,
  namedFields,
} from '../../src/soap/faults.js';

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

describe('the fields a fault names', () => {
  it('takes the field of an unknown-field fault, from the detail or the fault string', () => {
    const fault = new MarketoFault(
      20105,
      'SOAP-ENV:Client',
      '20105 - Lead Attribute Bad',
      'unknown fields for import: pants (20105)',
    );
    expect(fault.fields).toEqual(['pants']);
    expect(
      new MarketoFault(20105, 'SOAP-ENV:Client', '20105 - unknown fields for import: pants', undefined)
        .fields,
    ).toEqual(['pants']);
    expect(
      new MarketoFault(
        20014,
        'SOAP-ENV:Client',
        '20014 - Authentication failed',
        'Authentication failed (20014)',
      ).fields,
    ).toEqual([]);
  });

  it('reads a list, drops duplicates and blanks, and keeps a name with brackets of its own', () => {
    expect(namedFields('unknown fields for import: pants, shirt,  pants, , hat (20105)')).toEqual([
      'pants',
      'shirt',
      'hat',
    ]);
    expect(namedFields('Unknown field for import: a_b__c')).toEqual(['a_b__c']);
    expect(namedFields('unknown fields for import: (20105)')).toEqual([]);
    expect(namedFields('Bad parameter (20110)')).toEqual([]);
    expect(namedFields(undefined)).toEqual([]);
  });

  it('is bounded against a hostile answer: long names dropped, at most so many names, linear on long text', () => {
    const long = 'x'.repeat(MAX_NAMED_FIELD_LENGTH + 1);
    expect(namedFields(`unknown fields for import: ${long}, ok`)).toEqual(['ok']);
    const many = Array.from({ length: 500 }, (_, i) => `f${i}`).join(', ');
    expect(namedFields(`unknown fields for import: ${many}`)).toHaveLength(MAX_NAMED_FIELDS);
    const spaces = `unknown fields for import: a${' '.repeat(1_000_000)}`;
    // A backtracking pattern would hang here for minutes (the test would time out).
    expect(namedFields(spaces)).toEqual(['a']);
  });
});

describe('HttpStatusError', () => {
  it.each([
    [502, 'indeterminate'],
    [503, 'transient'],
    [401, 'auth'],
    [404, 'invalid-request'],
  ] as const)('HTTP %i is %s', (status, category) => {
    expect(new HttpStatusError(status).category).toBe(category);
  });
});
