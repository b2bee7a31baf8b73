import { describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/emulator/rest/token-store.js';

describe('the REST emulator token store, on a simulated clock', () => {
  it('a token works until its lifetime ends, then answers 602 once and 601 after; a new one is issued', () => {
    const tokens = new TokenStore();
    const first = tokens.issue(300, 1_000);
    expect(first.remainingMs).toBe(300);
    expect(tokens.check(first.token, 1_299)).toEqual({ ok: true });
    // Asked again before expiry: the same token with what is left of its lifetime.
    expect(tokens.issue(300, 1_100)).toEqual({ token: first.token, remainingMs: 200 });
    expect(tokens.check(first.token, 1_300)).toEqual({ ok: false, code: 602 });
    expect(tokens.check(first.token, 1_301)).toEqual({ ok: false, code: 601 });
    const renewed = tokens.issue(300, 1_400);
    expect(renewed.token).not.toBe(first.token);
    expect(tokens.check(renewed.token, 1_400)).toEqual({ ok: true });
    expect(tokens.check(first.token, 1_400)).toEqual({ ok: false, code: 601 });
    expect(tokens.check(undefined, 1_400)).toEqual({ ok: false, code: 600 });
    expect(tokens.usage()).toMatchObject({ tokenRequests: 3, tokensIssued: 2 });
  });
});
