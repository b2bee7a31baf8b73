import { describe, expect, it } from 'vitest';
import { quotaDay } from '../../src/model/quota-day.js';

describe('quotaDay', () => {
  it('turns at midnight in US Central by default (UTC-6 in December)', () => {
    expect(quotaDay(Date.parse('2026-12-07T05:59:59Z'))).toBe('2026-12-06');
    expect(quotaDay(Date.parse('2026-12-07T06:00:00Z'))).toBe('2026-12-07');
  });
  it('reads each time zone with its own formatter', () => {
    const at = Date.parse('2026-12-07T23:30:00Z');
    expect(quotaDay(at, 'Europe/Berlin')).toBe('2026-12-08');
    expect(quotaDay(at, 'America/Chicago')).toBe('2026-12-07');
    expect(quotaDay(at, 'UTC')).toBe('2026-12-07');
  });
  it('refuses an unknown time zone', () => {
    expect(() => quotaDay(0, 'Mars/Olympus')).toThrow(RangeError);
  });
});
