import { XMLParser } from 'fast-xml-parser';
import { boundText } from '../bounded-text.js';

/**
 * The one XML parser configuration of mktsync, used for Marketo's answers and by the emulator for
 * requests. It refuses DTDs (so no external entities and no entity expansion attacks), checks that
 * the document is well formed (so a truncated answer is an error), keeps text exactly (no trimming,
 * no number guessing) and drops namespace prefixes, which the schema leaves free.
 */

/** A parsed XML element: child elements by local name, text under `#text`, attributes as `@_name`. */
export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

/** Raised for anything that is not a well-formed, DTD-free XML document. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
}

/** Elements that may repeat; they are always arrays, even with one entry. */
const REPEATED = new Set([
  'leadRecord',
  'attribute',
  'mObject',
  'attrib',
  'typeAttrib',
  'mObjAssociation',
  'syncStatus',
  'mObjStatus',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  // Decodes numeric character references (&#xD; &#233;), which XML requires.
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

/** Parses `xml` or throws {@link XmlParseError} saying why. */
export function parseXml(xml: string): XmlNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new XmlParseError('XML with a DTD or entity declarations is refused');
  }
  try {
    return parser.parse(xml, true) as XmlNode;
  } catch (error) {
    // The parser may quote the offending markup, which can be as long as the document.
    throw new XmlParseError(`not well-formed XML: ${boundText((error as Error).message)}`);
  }
}

/** The child element `name` of `node` when it is an element (not text, not a list). */
export function child(node: XmlValue | undefined, name: string): XmlValue | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  return node[name];
}

/** The repeated child elements `name` of `node`, always as a list. */
export function children(node: XmlValue | undefined, name: string): XmlValue[] {
  const value = child(node, name);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The text of an element; undefined when it is absent or `xsi:nil="true"`. */
export function textOf(node: XmlValue | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return textOf(node[0]);
  if (node['@_nil'] === 'true') return undefined;
  const inner = node['#text'];
  return typeof inner === 'string' ? inner : '';
}

/** Whether `node` is an element with child elements or attributes (not plain text). */
export function isElement(node: XmlValue | undefined): node is XmlNode {
  return node !== undefined && typeof node === 'object' && !Array.isArray(node);
}
