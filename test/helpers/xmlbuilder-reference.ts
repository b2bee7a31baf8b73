import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { MKTOWS_NS, type Attrib, type LeadRecord, type MObject } from '../../src/soap/types.js';

/**
 * The request bodies as xmlbuilder2 writes them from a DOM: the reference that mktsync's own writer
 * (src/soap/envelope.ts, which writes text for speed) must match byte for byte. Values are assumed
 * valid here; refusing bad ones is the writer's job and tested apart.
 */

function serialize(root: XMLBuilder): string {
  // xmlbuilder2 writes a carriage return raw, which a parser would turn into a line feed.
  return root.end({ headless: true }).replaceAll('\r', '&#xD;');
}

function attrib(parent: XMLBuilder, name: string, value: Attrib): void {
  const node = parent.ele(name);
  node.ele('name').txt(value.name);
  node.ele('value').txt(value.value);
}

export function referenceSyncMultipleLeads(records: readonly LeadRecord[], dedupEnabled?: boolean): string {
  const params = create().ele(MKTOWS_NS, 'ns1:paramsSyncMultipleLeads');
  const list = params.ele('leadRecordList');
  for (const record of records) {
    const node = list.ele('leadRecord');
    if (record.Id !== undefined) node.ele('Id').txt(String(record.Id));
    if (record.Email !== undefined) node.ele('Email').txt(record.Email);
    if (record.ForeignSysPersonId !== undefined)
      node.ele('ForeignSysPersonId').txt(record.ForeignSysPersonId);
    if (record.ForeignSysType !== undefined) node.ele('ForeignSysType').txt(record.ForeignSysType);
    if (record.attributes !== undefined) {
      const attrs = node.ele('leadAttributeList');
      for (const a of record.attributes) {
        const attr = attrs.ele('attribute');
        attr.ele('attrName').txt(a.name);
        if (a.type !== undefined) attr.ele('attrType').txt(a.type);
        attr.ele('attrValue').txt(a.value);
      }
    }
  }
  if (dedupEnabled !== undefined) params.ele('dedupEnabled').txt(dedupEnabled ? 'true' : 'false');
  return serialize(params);
}

export function referenceSyncMObjects(objects: readonly MObject[], operation: string): string {
  const params = create().ele(MKTOWS_NS, 'ns1:paramsSyncMObjects');
  const list = params.ele('mObjectList');
  for (const object of objects) {
    const node = list.ele('mObject');
    node.ele('type').txt(object.type);
    if (object.id !== undefined) node.ele('id').txt(String(object.id));
    if (object.externalKey !== undefined) attrib(node, 'externalKey', object.externalKey);
    if (object.createdAt !== undefined) node.ele('createdAt').txt(object.createdAt);
    if (object.updatedAt !== undefined) node.ele('updatedAt').txt(object.updatedAt);
    if (object.attributes !== undefined) {
      const attrs = node.ele('attribList');
      for (const a of object.attributes) attrib(attrs, 'attrib', a);
    }
    if (object.typeAttributes !== undefined) {
      const typeAttrs = node.ele('typeAttribList');
      for (const ta of object.typeAttributes) {
        const typeAttr = typeAttrs.ele('typeAttrib');
        typeAttr.ele('attrType').txt(ta.attrType);
        const attrs = typeAttr.ele('attrList');
        for (const a of ta.attributes) attrib(attrs, 'attrib', a);
      }
    }
    if (object.associations !== undefined) {
      const assocs = node.ele('associationList');
      for (const a of object.associations) {
        const assoc = assocs.ele('mObjAssociation');
        assoc.ele('mObjType').txt(a.mObjType);
        if (a.id !== undefined) assoc.ele('id').txt(String(a.id));
        if (a.externalKey !== undefined) attrib(assoc, 'externalKey', a.externalKey);
      }
    }
  }
  params.ele('operation').txt(operation);
  return serialize(params);
}

export function referenceAuthenticationHeader(header: {
  mktowsUserId: string;
  requestSignature: string;
  requestTimestamp: string;
}): string {
  const node = create().ele(MKTOWS_NS, 'ns1:AuthenticationHeader');
  node.ele('mktowsUserId').txt(header.mktowsUserId);
  node.ele('requestSignature').txt(header.requestSignature);
  node.ele('requestTimestamp').txt(header.requestTimestamp);
  return serialize(node);
}
