/**
 * Text put into HTML that mktsync writes itself (the worker's queue view): record keys, reasons and
 * names come from outside, so every character HTML gives a meaning to is escaped, quotes included, so
 * that the text is safe in element content and in quoted attributes alike.
 */
export function escapeHtmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
