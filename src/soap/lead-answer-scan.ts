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
const HEAD = new RegExp(
  `^(?:<\\?xml version="1\\.0"(?: encoding="UTF-8")?\\?>)?\\s*` +
    `<(${NAME}):Envelope(?:\\s+xmlns:${NAME}="[^"<>&]*")*\\s*>\\s*<\\1:Body>\\s*` +
    `<(${NAME}):successSyncMultipleLeads>\\s*<result>\\s*<syncStatusList>`,
);
const STATUS = new RegExp(
  `\\s*<syncStatus>\\s*<leadId>(\\d{1,15})</leadId>\\s*<status>(${LEAD_SYNC_STATUSES.join('|')})</status>\\s*` +
    `(?:<error\\s+xsi:nil="true"\\s*/>|<error\\s*/>|<error>([^<&\\r]*)</error>)?\\s*</syncStatus>`,
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
      `^\\s*</syncStatusList>\\s*</result>\\s*</${s}:successSyncMultipleLeads>\\s*` +
        `</${e}:Body>\\s*</${e}:Envelope>\\s*$`,
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
