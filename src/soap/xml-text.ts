/**
 * What XML 1.0 can carry. Text is checked here before it is written, and a carriage return is written as
 * `&#xD;` (a raw one is turned into a line feed by every parser): a value either round-trips exactly or
 * is refused with the field named.
 */

// Control characters other than TAB, LF and CR, and the two non-characters XML 1.0 excludes.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** A value that XML 1.0 cannot carry, refused before anything is sent. */
export class XmlTextError extends Error {
  override readonly name = 'XmlTextError';
  constructor(
    /** Path of the offending field, e.g. `leadRecord[2].leadAttributeList.attribute[0].attrValue`. */
    readonly field: string,
    /** Why it was refused. */
    readonly reason: string,
    /** Index of the record in the request, when the value belongs to one. */
    readonly recordIndex?: number,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** Throws {@link XmlTextError} unless `value` can be written as XML 1.0 character data. */
export function assertXmlText(value: string, field: string, recordIndex?: number): void {
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new XmlTextError(
      field,
      `contains U+${code} at position ${bad.index}, which XML 1.0 cannot carry`,
      recordIndex,
    );
  }
  if (!value.isWellFormed()) {
    throw new XmlTextError(field, 'contains a lone UTF-16 surrogate (not valid Unicode)', recordIndex);
  }
}

/** Escapes text for element content: `&`, `<` and `>` as xmlbuilder2 escapes them, and a carriage return. */
export function escapeXmlText(value: string): string {
  return value.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;',
  );
}
