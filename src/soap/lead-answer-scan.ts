import { boundText } from '../bounded-text.js';
import { LEAD_SYNC_STATUSES, type LeadSyncResult } from './types.js';

/**
 * Reads a syncMultipleLeads success answer of the plain shape Marketo writes, without building a tree:
 * a drain's worker spent a third of its CPU in the general XML parser on these answers. Only a document
 * that is exactly envelope, body, success element, result and a list of `syncStatus` elements of
 * `leadId` (digits), `status` (a known one) and an optional `error` (nil, empty, or text without markup,
 * entity references or carriage returns) is read here, with optional whitespace between elements;
 * anything else, however slightly different, answers `undefined` and is read by the general parser
 * (response.ts), which is the authority on what an answer says. The tests hold the two to the same
 * results.
 */

const NAME = '[A-Za-z_][\\w.-]*';
// XML's whitespace only: a JavaScript \s also takes U+00A0, U+FEFF and others, which XML refuses there.
const WS = '[ \\t\\r\\n]';
const HEAD = new RegExp(
  `^(?:<\\?xml version="1\\.0"(?: encoding="UTF-8")?\\?>)?${WS}*` +
    `<(${NAME}):Envelope(?:${WS}+xmlns:${NAME}="[^"<>&]*")*${WS}*>${WS}*<\\1:Body>${WS}*` +
    `<(${NAME}):successSyncMultipleLeads>${WS}*<result>${WS}*<syncStatusList>`,
);
const STATUS = new RegExp(
  `${WS}*<syncStatus>${WS}*<leadId>(\\d{1,15})</leadId>${WS}*<status>(${LEAD_SYNC_STATUSES.join('|')})</status>${WS}*` +
    `(?:<error${WS}+xsi:nil="true"${WS}*/>|<error${WS}*/>|<error>([^<&\\r]*)</error>)?${WS}*</syncStatus>`,
  'y',
);

// The closing tags for the prefixes an answer uses; Marketo uses one pair, so this stays tiny.
const TAILS = new Map<string, RegExp>();
function tailOf(env: string, success: string): RegExp {
  const id = `${env} ${success}`;
  let tail = TAILS.get(id);
  if (!tail) {
    // A prefix may hold '.', which must match itself only.
    const e = env.replaceAll('.', '\\.');
    const s = success.replaceAll('.', '\\.');
    tail = new RegExp(
      `^${WS}*</syncStatusList>${WS}*</result>${WS}*</${s}:successSyncMultipleLeads>${WS}*` +
        `</${e}:Body>${WS}*</${e}:Envelope>${WS}*$`,
    );
    if (TAILS.size >= 16) TAILS.clear();
    TAILS.set(id, tail);
  }
  return tail;
}

/** The results of `xml` in order when it has the plain shape and `expected` of them, else undefined. */
export function scanSyncMultipleLeads(xml: string, expected: number): LeadSyncResult[] | undefined {
  const head = HEAD.exec(xml);
  if (!head) return undefined;
  // Prefixes starting with 'xml' are reserved (the parser drops an `xmlns:` element), and a prefix
  // declared twice makes the document not well formed: both are left to the general parser.
  if (/^xml/i.test(head[1]!) || /^xml/i.test(head[2]!)) return undefined;
  const declared = [...head[0].matchAll(/xmlns:([^=]+)=/g)].map((m) => m[1]);
  if (new Set(declared).size !== declared.length) return undefined;
  const tail = tailOf(head[1]!, head[2]!);
  const results: LeadSyncResult[] = [];
  STATUS.lastIndex = head[0].length;
  for (;;) {
    const at = STATUS.lastIndex;
    const m = STATUS.exec(xml);
    if (!m) {
      if (!tail.test(xml.slice(at))) return undefined;
      break;
    }
    const result: LeadSyncResult = { leadId: Number(m[1]), status: m[2] as LeadSyncResult['status'] };
    if (m[3] !== undefined && m[3] !== '') result.error = boundText(m[3]);
    results.push(result);
  }
  return results.length === expected ? results : undefined;
}
