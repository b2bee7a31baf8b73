import { describe, expect, it } from 'vitest';
import {
  CALL_CODES,
  callCodeMeaning,
  HTTP_CODES,
  httpStatusMeaning,
  RECORD_CODES,
  recordCodeMeaning,
} from '../../src/rest/codes.js';
import { CALL_ERROR_CATEGORIES } from '../../src/transport/contract.js';

// Every code of Adobe's "Error Codes" page, typed here by the project (HTTP level, response level,
// record level), so that a code dropped from the table fails this test.
const DOCUMENTED_HTTP = [401, 413, 414];
const DOCUMENTED_CALL = [
  '500',
  '502',
  '601',
  '602',
  '603',
  '604',
  '605',
  '606',
  '607',
  '608',
  '609',
  '610',
  '611',
  '612',
  '613',
  '614',
  '615',
  '616',
  '701',
  '702',
  '703',
  '704',
  '709',
  '710',
  '711',
  '712',
  '713',
  '714',
  '718',
  '719',
];
const DOCUMENTED_RECORD = [
  '1001',
  '1002',
  '1003',
  '1004',
  '1005',
  '1006',
  '1007',
  '1008',
  '1009',
  '1010',
  '1011',
  '1012',
  '1013',
  '1014',
  '1015',
  '1016',
  '1017',
  '1018',
  '1019',
  '1020',
  '1021',
  '1022',
  '1025',
  '1026',
  '1027',
  '1028',
  '1029',
  '1035',
  '1036',
  '1037',
  '1042',
  '1048',
  '1049',
  '1076',
  '1077',
  '1078',
  '1079',
];

describe('REST code table', () => {
  it('has an entry, with a known category, for every documented code at its level', () => {
    for (const status of DOCUMENTED_HTTP) {
      const m = HTTP_CODES[`http:${status}`];
      expect(m, `HTTP ${status}`).toBeDefined();
      expect(CALL_ERROR_CATEGORIES).toContain(m!.category);
      expect(m!.level).toBe('http');
    }
    for (const code of DOCUMENTED_CALL) {
      const m = CALL_CODES[code];
      expect(m, code).toBeDefined();
      expect(CALL_ERROR_CATEGORIES).toContain(m!.category);
      expect(m!.applied, code).toBeDefined();
    }
    for (const code of DOCUMENTED_RECORD) {
      const m = RECORD_CODES[code];
      expect(m, code).toBeDefined();
      expect(CALL_ERROR_CATEGORIES).toContain(m!.category);
      expect(['SKIPPED', 'FAILED']).toContain(m!.status);
    }
  });

  it('categorises the codes the sender acts on as Adobe and mktsync rules say', () => {
    const cat = (code: string) => callCodeMeaning(code).category;
    expect(['601', '602'].map(cat)).toEqual(['re-auth', 're-auth']);
    expect(cat('603')).toBe('auth');
    expect(['606', '615'].map(cat)).toEqual(['throttle', 'throttle']);
    expect(callCodeMeaning('606').retryAfterMs).toBe(20_000);
    expect(callCodeMeaning('615').retryAfterMs).toBe(1_000);
    expect(cat('607')).toBe('quota');
    expect(['604', '608', '611', '713', '614', '719', '500', '502'].map(cat)).toEqual(
      Array(8).fill('transient'),
    );
    expect(['605', '609', '612', '701'].map(cat)).toEqual(Array(4).fill('invalid-request'));
    // "The URI in the call did not match a REST API resource type": the base URL is wrong.
    expect(cat('610')).toBe('config');
    expect(['709', '718'].map(cat)).toEqual(['invalid-record', 'invalid-record']);
    expect(httpStatusMeaning(401).category).toBe('auth');
    expect(httpStatusMeaning(413).category).toBe('invalid-record');
    expect(httpStatusMeaning(414).category).toBe('invalid-request');
  });

  it('says what is known of whether the call was applied', () => {
    // "A 6xx code indicates that the entire request failed and was not executed."
    for (const code of DOCUMENTED_CALL.filter((c) => c.startsWith('6') && c !== '604'))
      expect(callCodeMeaning(code).applied, code).toBe('not-applied');
    // 604: the request ran out of time on Marketo's side, after it may have written part of it.
    expect(callCodeMeaning('604').applied).toBe('indeterminate');
    expect(callCodeMeaning('502').applied).toBe('indeterminate');
    expect(callCodeMeaning('500').applied).toBe('indeterminate');
    expect(httpStatusMeaning(502).applied).toBe('indeterminate');
    expect(httpStatusMeaning(504).applied).toBe('indeterminate');
    expect(httpStatusMeaning(503).applied).toBe('not-applied');
  });

  it('a 408 (the server gave up waiting for the request) is a transient failure of a request never read whole', () => {
    // As over SOAP: resent with backoff, not dead-lettered as a malformed request.
    expect(httpStatusMeaning(408)).toMatchObject({ category: 'transient', applied: 'not-applied' });
  });

  it('treats record codes by what they mean for the record', () => {
    // A create that finds its record, an object update that finds none: SKIPPED (SOAP parity).
    for (const code of ['1005', '1013', '1017']) expect(recordCodeMeaning(code).status, code).toBe('SKIPPED');
    // An update of a record Marketo does not have did not land: FAILED, as SOAP's 20103.
    for (const code of ['1001', '1003', '1004', '1006', '1007', '1036']) {
      expect(recordCodeMeaning(code).status, code).toBe('FAILED');
      expect(recordCodeMeaning(code).category, code).toBe('invalid-record');
    }
  });

  it('falls back safely on codes Adobe does not list', () => {
    expect(callCodeMeaning('698')).toMatchObject({ category: 'transient', applied: 'not-applied' });
    expect(callCodeMeaning('798').category).toBe('invalid-request');
    expect(recordCodeMeaning('1999')).toMatchObject({ status: 'FAILED', category: 'invalid-record' });
    expect(httpStatusMeaning(599)).toMatchObject({ category: 'transient', applied: 'indeterminate' });
    expect(httpStatusMeaning(400)).toMatchObject({ category: 'invalid-request', applied: 'not-applied' });
  });

  it('a path outside the API (HTTP 404) or a redirect is a configuration fault, nothing applied', () => {
    for (const status of [404, 301, 302, 307, 308])
      expect(httpStatusMeaning(status), String(status)).toMatchObject({
        category: 'config',
        applied: 'not-applied',
      });
  });
});
