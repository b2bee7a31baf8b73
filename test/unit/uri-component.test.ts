import { describe, expect, it } from 'vitest';
import { encodeUriComponent } from '../../src/producer/uri-component.js';

// Characters around every class encodeURIComponent treats apart: unreserved, reserved, '@', '%',
// controls, Latin-1, BMP, astral pairs and lone surrogates (which the builtin refuses).
const ALPHABET = [
  ...'azAZ09-_.!~*\'()@%/?#&=+ :;,$[]"<>\\^`{|}',
  '\u0000',
  '\t',
  '\u007f',
  'é',
  'Ä',
  '\u20ac',
  '\ufffe',
  '\u{1F600}',
  '\ud800',
  '\udc00',
];

function builtin(value: string): string | Error {
  try {
    return encodeURIComponent(value);
  } catch (error) {
    return error as Error;
  }
}

function ours(value: string): string | Error {
  try {
    return encodeUriComponent(value);
  } catch (error) {
    return error as Error;
  }
}

describe('encodeUriComponent', () => {
  it('answers exactly what encodeURIComponent answers (or throws what it throws)', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let fast = 0;
    for (let n = 0; n < 20_000; n++) {
      let value = '';
      const length = Math.floor(next() * 12);
      // Mostly the characters of an email, so that the fast path is taken often too.
      for (let i = 0; i < length; i++)
        value +=
          next() < 0.7 ? ALPHABET[Math.floor(next() * 13)] : ALPHABET[Math.floor(next() * ALPHABET.length)];
      const expected = builtin(value);
      const got = ours(value);
      if (expected instanceof Error) {
        expect(got, JSON.stringify(value)).toBeInstanceOf(URIError);
        continue;
      }
      expect(got, JSON.stringify(value)).toBe(expected);
      if (expected === value || expected === value.replaceAll('@', '%40')) fast++;
    }
    expect(fast).toBeGreaterThan(5_000);
  });

  it('encodes an email as record keys always did', () => {
    expect(encodeUriComponent('user1@example.com')).toBe('user1%40example.com');
    expect(encodeUriComponent('a@b@c')).toBe('a%40b%40c');
    expect(encodeUriComponent('plain-id_1.2')).toBe('plain-id_1.2');
    expect(encodeUriComponent('a b@c')).toBe('a%20b%40c');
  });
});
