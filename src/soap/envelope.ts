import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import {
  FOREIGN_SYS_TYPES,
  MKTOWS_NS,
  SOAP_ENV_NS,
  SYNC_OPERATIONS,
  type Attrib,
  type AuthenticationHeader,
  type LeadRecord,
  type MObject,
  type Operation,
  type SyncOperation,
} from './types.js';
import { assertXmlText, escapeCarriageReturns, XmlTextError } from './xml-text.js';

/**
 * Builds the `ns1:params…` body elements of mktows requests with xmlbuilder2, in the schema's element
 * order, children unqualified (the schema has no elementFormDefault). The body is built once per batch;
 * {@link wrapEnvelope} adds a freshly signed header for every HTTP attempt.
 */

/** A request body ready to be wrapped and sent; immutable so every attempt sends the same records. */
export interface PreparedRequest {
  readonly operation: Operation;
  /** The `ns1:params…` element with its own namespace declaration. */
  readonly bodyXml: string;
  /** How many records the answer must carry. */
  readonly recordCount: number;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function text(parent: XMLBuilder, name: string, value: string, field: string, index?: number): void {
  assertXmlText(value, field, index);
  parent.ele(name).txt(value);
}

function int(parent: XMLBuilder, name: string, value: number, field: string, index?: number): void {
  if (!Number.isInteger(value) || value < INT_MIN || value > INT_MAX) {
    throw new XmlTextError(field, `must be a 32-bit integer (xs:int), got ${String(value)}`, index);
  }
  parent.ele(name).txt(String(value));
}

function attrib(parent: XMLBuilder, name: string, value: Attrib, field: string, index?: number): void {
  const node = parent.ele(name);
  text(node, 'name', value.name, `${field}.name`, index);
  text(node, 'value', value.value, `${field}.value`, index);
}

function serialize(root: XMLBuilder): string {
  return escapeCarriageReturns(root.end({ headless: true }));
}

/** Builds `ns1:paramsSyncMultipleLeads`; `dedupEnabled` is written only when given (absent means true). */
export function buildSyncMultipleLeads(
  records: readonly LeadRecord[],
  dedupEnabled?: boolean,
): PreparedRequest {
  const params = create().ele(MKTOWS_NS, 'ns1:paramsSyncMultipleLeads');
  const list = params.ele('leadRecordList');
  records.forEach((record, i) => {
    const at = `leadRecord[${i}]`;
    if (record.Id === undefined && record.Email === undefined && record.ForeignSysPersonId === undefined) {
      throw new XmlTextError(at, 'needs at least one of Id, Email, ForeignSysPersonId', i);
    }
    if (record.ForeignSysPersonId !== undefined && record.ForeignSysType === undefined) {
      throw new XmlTextError(`${at}.ForeignSysType`, 'is required when ForeignSysPersonId is present', i);
    }
    if (record.ForeignSysType !== undefined && !FOREIGN_SYS_TYPES.includes(record.ForeignSysType)) {
      throw new XmlTextError(`${at}.ForeignSysType`, `must be one of ${FOREIGN_SYS_TYPES.join(', ')}`, i);
    }
    const node = list.ele('leadRecord');
    if (record.Id !== undefined) int(node, 'Id', record.Id, `${at}.Id`, i);
    if (record.Email !== undefined) text(node, 'Email', record.Email, `${at}.Email`, i);
    if (record.ForeignSysPersonId !== undefined) {
      text(node, 'ForeignSysPersonId', record.ForeignSysPersonId, `${at}.ForeignSysPersonId`, i);
    }
    if (record.ForeignSysType !== undefined) node.ele('ForeignSysType').txt(record.ForeignSysType);
    if (record.attributes !== undefined) {
      const attrs = node.ele('leadAttributeList');
      record.attributes.forEach((a, j) => {
        const af = `${at}.leadAttributeList.attribute[${j}]`;
        const attr = attrs.ele('attribute');
        text(attr, 'attrName', a.name, `${af}.attrName`, i);
        if (a.type !== undefined) text(attr, 'attrType', a.type, `${af}.attrType`, i);
        text(attr, 'attrValue', a.value, `${af}.attrValue`, i);
      });
    }
  });
  if (dedupEnabled !== undefined) params.ele('dedupEnabled').txt(dedupEnabled ? 'true' : 'false');
  return { operation: 'syncMultipleLeads', bodyXml: serialize(params), recordCount: records.length };
}

/** Builds `ns1:paramsSyncMObjects` with one operation for the whole call. */
export function buildSyncMObjects(objects: readonly MObject[], operation: SyncOperation): PreparedRequest {
  if (!SYNC_OPERATIONS.includes(operation)) {
    throw new XmlTextError(
      'operation',
      `must be one of ${SYNC_OPERATIONS.join(', ')}, got ${String(operation)}`,
    );
  }
  const params = create().ele(MKTOWS_NS, 'ns1:paramsSyncMObjects');
  const list = params.ele('mObjectList');
  objects.forEach((object, i) => {
    const at = `mObject[${i}]`;
    const node = list.ele('mObject');
    text(node, 'type', object.type, `${at}.type`, i);
    if (object.id !== undefined) int(node, 'id', object.id, `${at}.id`, i);
    if (object.externalKey !== undefined)
      attrib(node, 'externalKey', object.externalKey, `${at}.externalKey`, i);
    if (object.createdAt !== undefined) text(node, 'createdAt', object.createdAt, `${at}.createdAt`, i);
    if (object.updatedAt !== undefined) text(node, 'updatedAt', object.updatedAt, `${at}.updatedAt`, i);
    if (object.attributes !== undefined) {
      const attrs = node.ele('attribList');
      object.attributes.forEach((a, j) => attrib(attrs, 'attrib', a, `${at}.attribList.attrib[${j}]`, i));
    }
    if (object.typeAttributes !== undefined) {
      const typeAttrs = node.ele('typeAttribList');
      object.typeAttributes.forEach((ta, j) => {
        const tf = `${at}.typeAttribList.typeAttrib[${j}]`;
        const typeAttr = typeAttrs.ele('typeAttrib');
        text(typeAttr, 'attrType', ta.attrType, `${tf}.attrType`, i);
        const attrs = typeAttr.ele('attrList');
        ta.attributes.forEach((a, k) => attrib(attrs, 'attrib', a, `${tf}.attrList.attrib[${k}]`, i));
      });
    }
    if (object.associations !== undefined) {
      const assocs = node.ele('associationList');
      object.associations.forEach((a, j) => {
        const af = `${at}.associationList.mObjAssociation[${j}]`;
        const assoc = assocs.ele('mObjAssociation');
        text(assoc, 'mObjType', a.mObjType, `${af}.mObjType`, i);
        if (a.id !== undefined) int(assoc, 'id', a.id, `${af}.id`, i);
        if (a.externalKey !== undefined) attrib(assoc, 'externalKey', a.externalKey, `${af}.externalKey`, i);
      });
    }
  });
  params.ele('operation').txt(operation);
  return { operation: 'syncMObjects', bodyXml: serialize(params), recordCount: objects.length };
}

/** Builds the `ns1:AuthenticationHeader` element. */
export function buildAuthenticationHeader(header: AuthenticationHeader): string {
  const node = create().ele(MKTOWS_NS, 'ns1:AuthenticationHeader');
  text(node, 'mktowsUserId', header.mktowsUserId, 'mktowsUserId');
  text(node, 'requestSignature', header.requestSignature, 'requestSignature');
  text(node, 'requestTimestamp', header.requestTimestamp, 'requestTimestamp');
  return serialize(node);
}

/** Wraps a prepared body and a signed header into the SOAP 1.1 envelope of one HTTP attempt. */
export function wrapEnvelope(header: AuthenticationHeader, request: PreparedRequest): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP_ENV_NS}">` +
    `<SOAP-ENV:Header>${buildAuthenticationHeader(header)}</SOAP-ENV:Header>` +
    `<SOAP-ENV:Body>${request.bodyXml}</SOAP-ENV:Body>` +
    `</SOAP-ENV:Envelope>`
  );
}

/** The SOAPAction header value of an operation, quoted as SOAP 1.1 requires. */
export function soapAction(operation: Operation): string {
  return `"${MKTOWS_NS}${operation}"`;
}
