/**
 * The Marketo mktows types that mktsync sends and receives, named after the published schema.
 * Values are strings on the wire; callers convert numbers and booleans before they get here.
 */

import type { ForeignSysType } from '../vocabulary/foreign-sys-types.js';
import { OBJECT_OPERATIONS, type ObjectOperation } from '../vocabulary/object-operations.js';

/** Marketo's namespace for every qualified element of the mktows API. */
export const MKTOWS_NS = 'http://www.marketo.com/mktows/';
/** The SOAP 1.1 envelope namespace. */
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

// The system a `ForeignSysPersonId` belongs to: the vocabulary's list, re-exported for the wire's users.
export { FOREIGN_SYS_TYPES, type ForeignSysType } from '../vocabulary/foreign-sys-types.js';

/** The `operation` of a syncMObjects call (`SyncOperationEnum`): one per call; the vocabulary's list. */
export const SYNC_OPERATIONS = OBJECT_OPERATIONS;
export type SyncOperation = ObjectOperation;

export const LEAD_SYNC_STATUSES = ['CREATED', 'UPDATED', 'FAILED'] as const;
/** Per-record status of syncMultipleLeads (leads have no UNCHANGED or SKIPPED). */
export type LeadSyncStatus = (typeof LEAD_SYNC_STATUSES)[number];

export const MOBJ_STATUSES = ['CREATED', 'UPDATED', 'DELETED', 'FAILED', 'UNCHANGED', 'SKIPPED'] as const;
/** Per-object status of syncMObjects. */
export type MObjStatus = (typeof MOBJ_STATUSES)[number];

/** One `leadAttributeList/attribute`. */
export interface LeadAttribute {
  /** `attrName`: the field's API name, e.g. `FirstName`. */
  name: string;
  /** `attrType`: optional type hint, sent only when set. */
  type?: string;
  /** `attrValue`: the value as text; an empty string clears the field. */
  value: string;
}

/** One `leadRecord` of syncMultipleLeads. At least one of Id, Email, ForeignSysPersonId is needed. */
export interface LeadRecord {
  /** Marketo lead id: the highest-precedence key. */
  Id?: number;
  /** Email address: the lowest-precedence key; matched case-insensitively. */
  Email?: string;
  /** Id of the person in a foreign system; needs `ForeignSysType`. */
  ForeignSysPersonId?: string;
  ForeignSysType?: ForeignSysType;
  /** `leadAttributeList`, in the order given. */
  attributes?: LeadAttribute[];
}

/** A name/value pair: `attrib`, and the `externalKey` of objects and associations. */
export interface Attrib {
  name: string;
  value: string;
}

/** One `typeAttrib`: a Program `Cost` or `Tag` entry. */
export interface TypeAttrib {
  /** `Cost` or `Tag`. */
  attrType: string;
  /** `attrList`: e.g. Month, Amount, Id, Note for a cost; Type, Value for a tag. */
  attributes: Attrib[];
}

/** One `mObjAssociation`: a link to a Company, Lead or Opportunity. */
export interface MObjAssociation {
  mObjType: string;
  id?: number;
  externalKey?: Attrib;
}

/** One `mObject` of syncMObjects. */
export interface MObject {
  /** `Program`, `Opportunity` or `OpportunityPersonRole`. */
  type: string;
  id?: number;
  externalKey?: Attrib;
  /** Read-only in Marketo; carried only because the schema allows it. An xs:dateTime. */
  createdAt?: string;
  /** Read-only in Marketo; carried only because the schema allows it. An xs:dateTime. */
  updatedAt?: string;
  /** `attribList`. */
  attributes?: Attrib[];
  /** `typeAttribList`. */
  typeAttributes?: TypeAttrib[];
  /** `associationList` (the docs' table says mObjAssociationList; the schema element is associationList). */
  associations?: MObjAssociation[];
}

/** One `syncStatus` of a syncMultipleLeads answer, in request order. */
export interface LeadSyncResult {
  /** Marketo lead id; 0 for a FAILED record. */
  leadId: number;
  status: LeadSyncStatus;
  /** Present only when Marketo gave an error text. */
  error?: string;
}

/** One `mObjStatus` of a syncMObjects answer, in request order. */
export interface MObjSyncResult {
  id: number;
  externalKey?: Attrib;
  status: MObjStatus;
  error?: string;
}

/** The `AuthenticationHeader` of one HTTP attempt. */
export interface AuthenticationHeader {
  mktowsUserId: string;
  requestSignature: string;
  requestTimestamp: string;
}

/** The operations mktsync implements, client and emulator alike. */
export const OPERATIONS = ['syncMultipleLeads', 'syncMObjects'] as const;
export type Operation = (typeof OPERATIONS)[number];
