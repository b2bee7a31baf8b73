import { describe, expect, it } from 'vitest';
import { parseW3cTimestamp, signRequest, w3cTimestamp } from '../../src/soap/signature.js';

// Published vectors: user demo17_1_809934544BFABAE58E5D27, key 27272727aa.
const USER = 'demo17_1_809934544BFABAE58E5D27';
const KEY = '27272727aa';

describe('signRequest', () => {
  it.each([
    ['2013-08-01T18:22:30-07:00', 'b5e21953ae9f1b263e644da5eccce9ff33802513'],
    ['2013-08-05T14:22:45-07:00', '40e6d89bd2f7f0daaddaf150ce7a7ca49788ffe7'],
    ['2013-08-02T15:47:06-07:00', '146ec93f4f1e2a45f7a545f7e42e2d053c0457e7'],
    ['2013-08-05T09:57:10-07:00', '0737b707c4022bb90122e7a1dbc79a2dbfbcd5ca'],
  ])('signs %s as Marketo does', (timestamp, signature) => {
    expect(signRequest(KEY, timestamp, USER)).toBe(signature);
  });

  it('changes with the key', () => {
    expect(signRequest('other', '2013-08-01T18:22:30-07:00', USER)).not.toBe(
      'b5e21953ae9f1b263e644da5eccce9ff33802513',
    );
  });
});

describe('w3cTimestamp', () => {
  it('writes a W3C date-time with a numeric offset and no milliseconds', () => {
    expect(w3cTimestamp(new Date('2026-11-22T20:11:05.123Z'))).toBe('2026-11-22T20:11:05+00:00');
  });

  it('parses what it writes and offsets', () => {
    expect(parseW3cTimestamp('2013-08-01T18:22:30-07:00')).toBe(Date.parse('2013-08-02T01:22:30Z'));
    expect(parseW3cTimestamp(w3cTimestamp(new Date(1_700_000_000_000)))).toBe(1_700_000_000_000);
    expect(parseW3cTimestamp('yesterday')).toBeNaN();
  });
});
