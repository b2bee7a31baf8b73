import { cutMarker, MAX_ANSWER_TEXT } from '../bounded-text.js';
import { ResponseFormatError } from './faults.js';

/**
 * What an answer may cost before it is parsed. The XML parser builds text and tags one character at
 * a time and a tree node per tag (30 to 100 bytes of heap per character or tag), so an 8 MB answer of
 * one long text, one long tag or a flood of tiny elements would need a quarter to a whole gigabyte of
 * heap. Long texts are cut here, before parsing, with the marker every cut text carries; anything else
 * out of proportion to the records answered is a malformed answer.
 */

/** Tags and attributes allowed per record answered, and for the envelope around them. */
const MARKUP_PER_RECORD = 64;
const MARKUP_OF_ENVELOPE = 256;
/** Longest tag (name and attributes); Marketo's longest, the envelope with its namespaces, is ~300. */
const MAX_TAG = 2048;

/** `xml` with every text longer than the bound cut, or a {@link ResponseFormatError} saying why not. */
export function guardAnswer(xml: string, records: number): string {
  const allowed = MARKUP_OF_ENVELOPE + MARKUP_PER_RECORD * records;
  let markup = 0;
  for (let at = xml.indexOf('='); at !== -1; at = xml.indexOf('=', at + 1)) markup++;
  const pieces: string[] = [];
  let copiedTo = 0;
  let textStart = 0;
  for (let open = xml.indexOf('<'); open !== -1;) {
    if (++markup > allowed) {
      throw new ResponseFormatError(
        `Marketo's answer has more than ${allowed} tags and attributes for ${records} records`,
      );
    }
    if (open - textStart > MAX_ANSWER_TEXT) {
      const end = cutPoint(xml, textStart, textStart + MAX_ANSWER_TEXT);
      pieces.push(xml.slice(copiedTo, end), cutMarker(open - end));
      copiedTo = open;
    }
    const close = xml.indexOf('>', open);
    if ((close === -1 ? xml.length : close) - open > MAX_TAG) {
      throw new ResponseFormatError(`Marketo's answer has a tag longer than ${MAX_TAG} characters`);
    }
    if (close === -1) break; // truncated: the parser says so
    textStart = close + 1;
    open = xml.indexOf('<', textStart);
    if (open === -1 && xml.length - textStart > MAX_ANSWER_TEXT) {
      // Text after the last tag: cut like any other, the parser then refuses or ignores it.
      const end = cutPoint(xml, textStart, textStart + MAX_ANSWER_TEXT);
      pieces.push(xml.slice(copiedTo, end), cutMarker(xml.length - end));
      copiedTo = xml.length;
    }
  }
  if (pieces.length === 0) return xml;
  pieces.push(xml.slice(copiedTo));
  return pieces.join('');
}

// Where to cut a text so that no entity reference (&amp; &#233;) or surrogate pair is split.
function cutPoint(xml: string, start: number, end: number): number {
  const amp = xml.lastIndexOf('&', end - 1);
  if (amp >= start && amp > end - 12 && xml.indexOf(';', amp) >= end) end = amp;
  const last = xml.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}
