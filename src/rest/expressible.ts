import type { StoredLead, StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../transport/contract.js';
import { parseObjectType } from '../vocabulary/object-types.js';

/**
 * What the REST API cannot express, checked without asking Marketo. The producer can call these at
 * intake when the transport is REST (so the change is refused, naming the field, before it is
 * accepted); the REST transport applies the same rules before sending and fails such records one by one.
 * Field names are looked up later, against the instance's Describe.
 */

/** One reason a change cannot go over REST. */
export interface RestProblem {
  /** Dotted path in the change format, e.g. `typeAttributes.0.attributes.Id`. */
  field: string;
  reason: string;
}

/** Settings the rules depend on. */
export interface RestExpressOptions {
  /** The REST lead field holding ForeignSysPersonId (`MARKETO_REST_FOREIGN_ID_FIELD`), if set. */
  foreignIdField?: string;
}

// Sync Leads: "only ASCII characters are supported in the email address field".
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7F]*$/;

/** Problems of a lead for REST; `dedupEnabled: false` becomes `createDuplicate`. */
export function restLeadProblems(
  lead: StoredLead,
  dedupEnabled = true,
  options: RestExpressOptions = {},
): RestProblem[] {
  const problems: RestProblem[] = [];
  if (lead.ForeignSysPersonId !== undefined && !options.foreignIdField)
    problems.push({
      field: 'ForeignSysPersonId',
      reason:
        'REST has no ForeignSysPersonId: set MARKETO_REST_FOREIGN_ID_FIELD to the custom lead field that holds it',
    });
  if (lead.Email !== undefined && !ASCII.test(lead.Email))
    problems.push({
      field: 'Email',
      reason: 'Marketo REST accepts only ASCII characters in an email address',
    });
  const emailAttribute = Object.entries(lead.attributes).find(([k]) => k.toLowerCase() === 'email');
  if (emailAttribute && !ASCII.test(emailAttribute[1]))
    problems.push({
      field: `attributes.${emailAttribute[0]}`,
      reason: 'Marketo REST accepts only ASCII characters in an email address',
    });
  if (!dedupEnabled && lead.Id !== undefined)
    problems.push({
      field: 'Id',
      reason: 'dedupEnabled false creates a new lead (createDuplicate); REST takes an id only to update',
    });
  return problems;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const INT32_MAX = 2_147_483_647;

/** Problems of an object for REST, sent with `operation`. */
export function restObjectProblems(object: StoredMObject, operation: ObjectOperation): RestProblem[] {
  const type = parseObjectType(object.type);
  switch (type) {
    case 'Program':
      return programProblems(object, operation);
    case 'Opportunity':
      return opportunityProblems(object);
    case 'OpportunityPersonRole':
      return roleProblems(object);
    case undefined:
      return [{ field: 'type', reason: `REST has no endpoint for ${object.type}` }];
    default:
      // A type added to the vocabulary needs its REST rules here: the compiler refuses the switch.
      return type satisfies never;
  }
}

function programProblems(object: StoredMObject, operation: ObjectOperation): RestProblem[] {
  const problems: RestProblem[] = [];
  if (operation !== 'UPDATE')
    problems.push({ field: 'operation', reason: 'a Program can only be updated (UPDATE)' });
  if (object.id === undefined)
    problems.push({
      field: 'id',
      reason: 'REST updates a program by its id; an externalKey cannot name one',
    });
  if (object.externalKey !== undefined)
    problems.push({
      field: 'externalKey',
      reason: 'REST updates a program by its id; leave externalKey out',
    });
  for (const name of Object.keys(object.attributes ?? {}))
    if (!['Name', 'Description'].includes(name))
      problems.push({
        field: `attributes.${name}`,
        reason: 'REST updates only Name and Description of a program (besides costs and tags)',
      });
  if (object.associations?.length)
    problems.push({ field: 'associations', reason: 'REST programs take no associations' });
  (object.typeAttributes ?? []).forEach((t, i) => {
    const at = `typeAttributes.${i}`;
    const a = t.attributes;
    if (t.attrType === 'Cost') {
      if (a.Id !== undefined)
        problems.push({
          field: `${at}.attributes.Id`,
          reason: 'REST cannot update one cost entry by Id: it only appends costs or replaces them all',
        });
      if (a.Month === undefined || !MONTH.test(a.Month))
        problems.push({ field: `${at}.attributes.Month`, reason: 'must be a month YYYY-MM' });
      const amount = a.Amount;
      if (amount === undefined || !/^-?\d+$/.test(amount) || Math.abs(Number(amount)) > INT32_MAX)
        problems.push({
          field: `${at}.attributes.Amount`,
          reason: 'REST takes a cost as a whole number (32-bit integer)',
        });
      for (const k of Object.keys(a))
        if (!['Id', 'Month', 'Amount', 'Note'].includes(k))
          problems.push({ field: `${at}.attributes.${k}`, reason: 'a cost has Month, Amount and Note only' });
    } else if (t.attrType === 'Tag') {
      if (!a.Type) problems.push({ field: `${at}.attributes.Type`, reason: 'a tag needs Type' });
      if (!a.Value) problems.push({ field: `${at}.attributes.Value`, reason: 'a tag needs Value' });
      for (const k of Object.keys(a))
        if (!['Type', 'Value'].includes(k))
          problems.push({ field: `${at}.attributes.${k}`, reason: 'a tag has Type and Value only' });
    } else {
      problems.push({ field: `${at}.attrType`, reason: 'must be Cost or Tag' });
    }
  });
  return problems;
}

function opportunityProblems(object: StoredMObject): RestProblem[] {
  const problems: RestProblem[] = [];
  if (object.id !== undefined)
    problems.push({
      field: 'id',
      reason:
        'REST identifies an opportunity by its externalOpportunityId (externalKey) or marketoGUID, not by a SOAP integer id',
    });
  if (object.externalKey === undefined)
    problems.push({ field: 'externalKey', reason: 'REST needs the opportunity external id (externalKey)' });
  (object.associations ?? []).forEach((a, i) => {
    if (a.mObjType !== 'Company')
      problems.push({
        field: `associations.${i}.mObjType`,
        reason: 'REST links an opportunity only to a Company (externalCompanyId)',
      });
    else if (a.externalKey === undefined)
      problems.push({
        field: `associations.${i}.id`,
        reason: 'REST links a company by its external id (externalKey), not by a SOAP integer id',
      });
  });
  return problems;
}

function roleProblems(object: StoredMObject): RestProblem[] {
  const problems: RestProblem[] = [];
  if (object.id !== undefined)
    problems.push({
      field: 'id',
      reason: 'REST identifies a role by externalOpportunityId, leadId and role, not by a SOAP integer id',
    });
  if (object.externalKey !== undefined)
    problems.push({
      field: 'externalKey',
      reason: 'REST identifies a role by externalOpportunityId, leadId and role; leave externalKey out',
    });
  const attributes = object.attributes ?? {};
  if (attributes.OpportunityId !== undefined)
    problems.push({
      field: 'attributes.OpportunityId',
      reason:
        'a SOAP integer opportunity id has no REST counterpart: give the opportunity by its external id (associations [{mObjType: "Opportunity", externalKey}])',
    });
  const associations = object.associations ?? [];
  associations.forEach((a, i) => {
    if (a.mObjType === 'Opportunity' && a.externalKey === undefined)
      problems.push({
        field: `associations.${i}.id`,
        reason:
          'REST links a role to an opportunity by its external id (externalKey), not by a SOAP integer id',
      });
    else if (a.mObjType === 'Lead' && a.id === undefined)
      problems.push({
        field: `associations.${i}.externalKey`,
        reason: 'REST links a role to a lead by its id',
      });
    else if (a.mObjType !== 'Opportunity' && a.mObjType !== 'Lead')
      problems.push({
        field: `associations.${i}.mObjType`,
        reason: 'a role links only to an Opportunity and a Lead',
      });
  });
  const hasOpportunity =
    associations.some((a) => a.mObjType === 'Opportunity' && a.externalKey !== undefined) ||
    Object.keys(attributes).some((k) => k.toLowerCase() === 'externalopportunityid');
  const hasLead =
    associations.some((a) => a.mObjType === 'Lead' && a.id !== undefined) ||
    Object.keys(attributes).some((k) => k === 'PersonId' || k.toLowerCase() === 'leadid');
  const hasRole = Object.keys(attributes).some((k) => k.toLowerCase() === 'role');
  if (!hasOpportunity && attributes.OpportunityId === undefined)
    problems.push({
      field: 'associations',
      reason: 'a role needs its opportunity (an Opportunity association by externalKey)',
    });
  if (!hasLead)
    problems.push({
      field: 'attributes.PersonId',
      reason: 'a role needs its lead (PersonId, or a Lead association)',
    });
  if (!hasRole)
    problems.push({ field: 'attributes.Role', reason: 'REST keys a role by its Role: it is required' });
  return problems;
}
