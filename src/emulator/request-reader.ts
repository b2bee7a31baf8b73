import { SYNC_OPERATIONS, type Attrib, type Operation, type SyncOperation } from '../soap/types.js';
import {
  child,
  children,
  isElement,
  parseXml,
  textOf,
  XmlParseError,
  type XmlNode,
  type XmlValue,
} from '../soap/xml-parse.js';
import { EmulatorFault } from './fault.js';

/**
 * Reads a SOAP request as Marketo would: the authentication header, the operation from the body's
 * params element, and the records, keeping what a record carried (including elements Marketo ignores)
 * so that the emulator's modes can decide.
 */

/** A leadRecord as received; `Id` is NaN when it was present but not an integer. */
export interface ReceivedLead {
  Id?: number;
  Email?: string;
  ForeignSysPersonId?: string;
  ForeignSysType?: string;
  attributes: { name: string; type?: string; value: string }[];
  /** Child elements the schema does not know (e.g. a lowercase `id`), which real Marketo ignored. */
  unknownElements: string[];
}

/** An mObject as received. */
export interface ReceivedMObject {
  type: string;
  id?: number;
  externalKey?: Attrib;
  attributes: Attrib[];
  typeAttributes: { attrType: string; attributes: Attrib[] }[];
  associations: { mObjType: string; id?: number; externalKey?: Attrib }[];
}

export interface ReceivedAuth {
  mktowsUserId?: string;
  requestSignature?: string;
  requestTimestamp?: string;
}

export type ReceivedRequest =
  | { operation: 'syncMultipleLeads'; auth: ReceivedAuth; leads: ReceivedLead[]; dedupEnabled: boolean }
  | {
      operation: 'syncMObjects';
      auth: ReceivedAuth;
      mobjects: ReceivedMObject[];
      mobjectOperation: SyncOperation;
    };

const LEAD_ELEMENTS = new Set(['Id', 'Email', 'ForeignSysPersonId', 'ForeignSysType', 'leadAttributeList']);
const PARAMS_OPERATIONS: Record<string, Operation> = {
  paramsSyncMultipleLeads: 'syncMultipleLeads',
  paramsSyncMObjects: 'syncMObjects',
};

function elementNames(node: XmlValue | undefined): string[] {
  return isElement(node) ? Object.keys(node).filter((k) => !k.startsWith('@_') && k !== '#text') : [];
}

function optionalInt(node: XmlValue | undefined): number | undefined {
  const value = textOf(node);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

function attrib(node: XmlValue | undefined): Attrib | undefined {
  if (node === undefined) return undefined;
  return { name: textOf(child(node, 'name')) ?? '', value: textOf(child(node, 'value')) ?? '' };
}

function attribs(list: XmlValue | undefined): Attrib[] {
  return children(list, 'attrib').map((a) => attrib(a)!);
}

function readLead(node: XmlValue): ReceivedLead {
  const lead: ReceivedLead = {
    attributes: children(child(node, 'leadAttributeList'), 'attribute').map((a) => {
      const attribute: ReceivedLead['attributes'][number] = {
        name: textOf(child(a, 'attrName')) ?? '',
        value: textOf(child(a, 'attrValue')) ?? '',
      };
      const type = textOf(child(a, 'attrType'));
      if (type !== undefined) attribute.type = type;
      return attribute;
    }),
    unknownElements: elementNames(node).filter((n) => !LEAD_ELEMENTS.has(n)),
  };
  const id = optionalInt(child(node, 'Id'));
  if (id !== undefined) lead.Id = id;
  for (const key of ['Email', 'ForeignSysPersonId', 'ForeignSysType'] as const) {
    const value = textOf(child(node, key));
    if (value !== undefined) lead[key] = value;
  }
  return lead;
}

function readMObject(node: XmlValue): ReceivedMObject {
  const object: ReceivedMObject = {
    type: textOf(child(node, 'type')) ?? '',
    attributes: attribs(child(node, 'attribList')),
    typeAttributes: children(child(node, 'typeAttribList'), 'typeAttrib').map((t) => ({
      attrType: textOf(child(t, 'attrType')) ?? '',
      attributes: attribs(child(t, 'attrList')),
    })),
    associations: children(child(node, 'associationList'), 'mObjAssociation').map((a) => {
      const association: ReceivedMObject['associations'][number] = {
        mObjType: textOf(child(a, 'mObjType')) ?? '',
      };
      const id = optionalInt(child(a, 'id'));
      if (id !== undefined) association.id = id;
      const key = attrib(child(a, 'externalKey'));
      if (key) association.externalKey = key;
      return association;
    }),
  };
  const id = optionalInt(child(node, 'id'));
  if (id !== undefined) object.id = id;
  const key = attrib(child(node, 'externalKey'));
  if (key) object.externalKey = key;
  return object;
}

/** Parses a request body; throws {@link EmulatorFault} as Marketo would for what it cannot take. */
export function readRequest(xml: string): ReceivedRequest {
  let doc: XmlNode;
  try {
    doc = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlParseError)
      throw new EmulatorFault(20012, `Request not understood: ${error.message}`);
    throw error;
  }
  const envelope = child(doc, 'Envelope');
  const body = child(envelope, 'Body');
  if (!isElement(body)) throw new EmulatorFault(20012, 'Request not understood: no SOAP Envelope/Body');
  const header = child(child(envelope, 'Header'), 'AuthenticationHeader');
  const auth: ReceivedAuth = {};
  for (const key of ['mktowsUserId', 'requestSignature', 'requestTimestamp'] as const) {
    const value = textOf(child(header, key));
    if (value !== undefined) auth[key] = value.trim();
  }
  const paramsName = elementNames(body)[0];
  if (paramsName === undefined) throw new EmulatorFault(20012, 'Request not understood: empty SOAP Body');
  const operation = PARAMS_OPERATIONS[paramsName];
  if (operation === undefined) {
    throw new EmulatorFault(20019, `Unsupported operation: ${paramsName.replace(/^params/, '')}`);
  }
  const params = body[paramsName];
  if (operation === 'syncMultipleLeads') {
    const list = child(params, 'leadRecordList');
    if (list === undefined) throw new EmulatorFault(20017, 'Invalid request: leadRecordList is required');
    const dedup = textOf(child(params, 'dedupEnabled'))?.trim();
    if (dedup !== undefined && !['true', 'false', '1', '0', ''].includes(dedup)) {
      throw new EmulatorFault(20017, `Invalid request: dedupEnabled must be a boolean, got ${dedup}`);
    }
    return {
      operation,
      auth,
      leads: children(list, 'leadRecord').map(readLead),
      dedupEnabled: dedup === undefined || dedup === '' || dedup === 'true' || dedup === '1',
    };
  }
  const op = textOf(child(params, 'operation'))?.trim();
  if (op === undefined) throw new EmulatorFault(20017, 'Invalid request: operation is required');
  if (!SYNC_OPERATIONS.includes(op as SyncOperation)) {
    throw new EmulatorFault(20017, `Invalid request: operation must be INSERT, UPDATE or UPSERT, got ${op}`);
  }
  const list = child(params, 'mObjectList');
  if (list === undefined) throw new EmulatorFault(20017, 'Invalid request: mObjectList is required');
  return {
    operation,
    auth,
    mobjects: children(list, 'mObject').map(readMObject),
    mobjectOperation: op as SyncOperation,
  };
}
