import {
  LEAD_SYNC_STATUSES,
  MOBJ_STATUSES,
  type Attrib,
  type LeadSyncResult,
  type LeadSyncStatus,
  type MObjStatus,
  type MObjSyncResult,
  type Operation,
} from './types.js';
import { boundOptionalText, boundText } from '../bounded-text.js';
import { guardAnswer } from './answer-guard.js';
import { scanSyncMultipleLeads } from './lead-answer-scan.js';
import {
  MalformedResultError,
  MarketoFault,
  ResponseFormatError,
  ResultCountMismatchError,
} from './faults.js';
import {
  child,
  children,
  isElement,
  parseXml,
  textOf,
  XmlParseError,
  type XmlNode,
  type XmlValue,
} from './xml-parse.js';

/**
 * Turns Marketo's answers into typed results: exactly one result per record sent, in request order, or
 * an error. A fault becomes a {@link MarketoFault}; anything malformed, truncated, not SOAP, or with the
 * wrong number of results is an error, never a success.
 */

function body(answer: string, records = 0): XmlNode {
  const xml = guardAnswer(answer, records);
  let doc: XmlNode;
  try {
    doc = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlParseError)
      throw new ResponseFormatError(`Marketo's answer is ${boundText(error.message)}`);
    throw error;
  }
  const bodyNode = child(child(doc, 'Envelope'), 'Body');
  if (!isElement(bodyNode))
    throw new ResponseFormatError("Marketo's answer is not a SOAP envelope with a Body");
  return bodyNode;
}

/** Reads a `SOAP-ENV:Fault` element into a {@link MarketoFault}. */
export function faultFrom(fault: XmlValue): MarketoFault {
  const exception = child(child(fault, 'detail'), 'serviceException');
  const codeText = boundOptionalText(textOf(child(exception, 'code')));
  const code = codeText !== undefined && /^\d{1,9}$/.test(codeText.trim()) ? Number(codeText) : undefined;
  return new MarketoFault(
    code,
    boundText(textOf(child(fault, 'faultcode')) ?? ''),
    boundText(textOf(child(fault, 'faultstring')) ?? ''),
    boundOptionalText(textOf(child(exception, 'message'))),
  );
}

/** Returns the SOAP fault in `xml` if it is one, else undefined (and throws if it is not SOAP at all). */
export function parseFault(xml: string): MarketoFault | undefined {
  const fault = child(body(xml), 'Fault');
  return fault === undefined ? undefined : faultFrom(fault);
}

function successResult(xml: string, operation: Operation, records: number): XmlValue {
  const bodyNode = body(xml, records);
  const fault = bodyNode.Fault;
  if (fault !== undefined) throw faultFrom(fault);
  const success = bodyNode[`success${operation[0]!.toUpperCase()}${operation.slice(1)}`];
  const result = child(success, 'result');
  if (!isElement(result)) {
    throw new ResponseFormatError(
      `Marketo's answer has no success${operation.slice(0, 1).toUpperCase()}${operation.slice(1)}/result`,
    );
  }
  return result;
}

function shown(value: string | undefined): string {
  return value === undefined ? 'nothing' : JSON.stringify(boundText(value, 100));
}

function int(value: string | undefined, where: string): number {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) {
    throw new ResponseFormatError(`Marketo's answer has no integer at ${where} (got ${shown(value)})`);
  }
  const n = Number(value);
  // The call was answered: a record may have been created under an id that cannot be held exactly.
  if (!Number.isSafeInteger(n)) {
    throw new MalformedResultError(
      `Marketo's answer has ${shown(value)} at ${where}, not a safe integer; what the call did is indeterminate`,
    );
  }
  return n;
}

function oneOf<T extends string>(allowed: readonly T[], value: string | undefined, where: string): T {
  if (value === undefined || !allowed.includes(value as T)) {
    throw new ResponseFormatError(`Marketo's answer has an unknown status at ${where}: ${shown(value)}`);
  }
  return value as T;
}

function checkCount(expected: number, received: number): void {
  if (expected !== received) throw new ResultCountMismatchError(expected, received);
}

/**
 * Parses a syncMultipleLeads answer that must carry `expected` results: the plain shape by a scan
 * (lead-answer-scan.ts), anything else by the general parser.
 */
export function parseSyncMultipleLeads(xml: string, expected: number): LeadSyncResult[] {
  return (
    scanSyncMultipleLeads(guardAnswer(xml, expected), expected) ?? parseSyncMultipleLeadsTree(xml, expected)
  );
}

/** Parses a syncMultipleLeads answer with the general XML parser (exported for the tests). */
export function parseSyncMultipleLeadsTree(xml: string, expected: number): LeadSyncResult[] {
  const list = child(successResult(xml, 'syncMultipleLeads', expected), 'syncStatusList');
  if (list === undefined) throw new ResponseFormatError("Marketo's answer has no syncStatusList");
  const statuses = children(list, 'syncStatus');
  checkCount(expected, statuses.length);
  return statuses.map((s, i) => {
    const where = `syncStatus[${i}]`;
    const result: LeadSyncResult = {
      leadId: int(textOf(child(s, 'leadId')), `${where}/leadId`),
      status: oneOf<LeadSyncStatus>(LEAD_SYNC_STATUSES, textOf(child(s, 'status')), `${where}/status`),
    };
    const error = textOf(child(s, 'error'));
    if (error !== undefined && error !== '') result.error = boundText(error);
    return result;
  });
}

/** Parses a syncMObjects answer that must carry `expected` results. */
export function parseSyncMObjects(xml: string, expected: number): MObjSyncResult[] {
  const list = child(successResult(xml, 'syncMObjects', expected), 'mObjStatusList');
  if (list === undefined) throw new ResponseFormatError("Marketo's answer has no mObjStatusList");
  const statuses = children(list, 'mObjStatus');
  checkCount(expected, statuses.length);
  return statuses.map((s, i) => {
    const where = `mObjStatus[${i}]`;
    const result: MObjSyncResult = {
      id: int(textOf(child(s, 'id')), `${where}/id`),
      status: oneOf<MObjStatus>(MOBJ_STATUSES, textOf(child(s, 'status')), `${where}/status`),
    };
    const key = child(s, 'externalKey');
    if (key !== undefined) {
      const externalKey: Attrib = {
        name: boundText(textOf(child(key, 'name')) ?? ''),
        value: boundText(textOf(child(key, 'value')) ?? ''),
      };
      result.externalKey = externalKey;
    }
    const error = textOf(child(s, 'error'));
    if (error !== undefined && error !== '') result.error = boundText(error);
    return result;
  });
}
