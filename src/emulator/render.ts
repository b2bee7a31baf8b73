import type { LeadSyncResult, MObjSyncResult } from '../soap/types.js';
import { FAULT_NAMES } from '../soap/faults.js';
import { escapeXmlText as esc } from '../soap/xml-text.js';

/**
 * Marketo's answers, written by template: the emulator must answer thousands of calls a second on one
 * core, and its output is checked by the client's parser in the round-trip tests.
 */

const OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="http://www.marketo.com/mktows/">' +
  '<SOAP-ENV:Body>';
const CLOSE = '</SOAP-ENV:Body></SOAP-ENV:Envelope>\n';

export function renderLeadResults(results: readonly LeadSyncResult[]): string {
  let out = `${OPEN}<ns1:successSyncMultipleLeads><result><syncStatusList>`;
  for (const r of results) {
    out += `<syncStatus><leadId>${r.leadId}</leadId><status>${r.status}</status>`;
    out += r.error === undefined ? '<error xsi:nil="true" />' : `<error>${esc(r.error)}</error>`;
    out += '</syncStatus>';
  }
  return `${out}</syncStatusList></result></ns1:successSyncMultipleLeads>${CLOSE}`;
}

export function renderMObjectResults(results: readonly MObjSyncResult[]): string {
  let out = `${OPEN}<ns1:successSyncMObjects><result><mObjStatusList>`;
  for (const r of results) {
    out += `<mObjStatus><id>${r.id}</id>`;
    if (r.externalKey) {
      out += `<externalKey><name>${esc(r.externalKey.name)}</name><value>${esc(r.externalKey.value)}</value></externalKey>`;
    }
    out += `<status>${r.status}</status>`;
    if (r.error !== undefined) out += `<error>${esc(r.error)}</error>`;
    out += '</mObjStatus>';
  }
  return `${out}</mObjStatusList></result></ns1:successSyncMObjects>${CLOSE}`;
}

/** A fault exactly in Marketo's form; every observed fault used `SOAP-ENV:Client`. */
export function renderFault(code: number, detail: string): string {
  const name = FAULT_NAMES[code] ?? 'Error';
  return (
    `${OPEN}<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode>` +
    `<faultstring>${code} - ${esc(name)}</faultstring>` +
    `<detail><ns1:serviceException xmlns:ns1="http://www.marketo.com/mktows/">` +
    `<name>mktServiceException</name><message>${esc(detail)} (${code})</message><code>${code}</code>` +
    `</ns1:serviceException></detail></SOAP-ENV:Fault>${CLOSE}`
  );
}
