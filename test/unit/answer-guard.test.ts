import { describe, expect, it } from 'vitest';
import { guardAnswer } from '../../src/soap/answer-guard.js';
import { parseXml, textOf } from '../../src/soap/xml-parse.js';

describe('guardAnswer: what an answer may cost before it is parsed', () => {
  it('leaves an ordinary answer exactly as it is', () => {
    const xml = '<r><a>1</a><b x="y">CREATED</b></r>';
    expect(guardAnswer(xml, 1)).toBe(xml);
  });

  it('cuts a long text to 1 KB with a marker counting what was cut, and never splits an entity', () => {
    const xml = `<r>${'x'.repeat(1020)}&amp;&amp;${'y'.repeat(5000)}</r>`;
    const guarded = guardAnswer(xml, 1);
    const text = textOf(parseXml(guarded).r)!;
    expect(text).toMatch(/^x{1020}… \[\d+ characters cut\]$/);
    expect(Number(/\[(\d+) characters/.exec(text)![1])).toBe(
      xml.length - '<r>'.length - '</r>'.length - 1020,
    );
  });

  it('cuts text after the last tag too', () => {
    expect(guardAnswer(`<r/>${'t'.repeat(5000)}`, 1).length).toBeLessThan(1100);
  });

  it('refuses a tag longer than 2 KB, even an unterminated one', () => {
    expect(() => guardAnswer(`<r a="${'v'.repeat(5000)}"/>`, 1)).toThrow(/tag longer than 2048/);
    expect(() => guardAnswer(`<r a="${'v'.repeat(5000)}`, 1)).toThrow(/tag longer than 2048/);
  });

  it('refuses more tags and attributes than the records need', () => {
    expect(() => guardAnswer(`<r>${'<a/>'.repeat(400)}</r>`, 1)).toThrow(/more than 320 tags/);
    expect(() =>
      guardAnswer(`<r ${Array.from({ length: 400 }, (_, i) => `a${i}=""`).join(' ')}/>`, 1),
    ).toThrow(/more than 320 tags/);
    expect(guardAnswer(`<r>${'<a/>'.repeat(400)}</r>`, 10)).toContain('<a/>');
  });
});
