import type { StoredLead, StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../transport/contract.js';
import { parseObjectType } from '../vocabulary/object-types.js';
import { REST_OBJECT_ROUTES } from './object-routes.js';
import type { RestProblem } from './rest-problem.js';

/**
 * What the REST API cannot express, checked without asking Marketo. The producer can call these at
 * intake when the transport is REST (so the change is refused, naming the field, before it is
 * accepted); the REST transport applies the same rules before sending and fails such records one by one.
 * Field names are looked up later, against the instance's Describe.
 */

export type { RestProblem } from './rest-problem.js';

/** Settings the rules depend on. */
export interface RestExpressOptions {
  /** The REST lead field holding ForeignSysPersonId (`MARKETO_REST_FOREIGN_ID_FIELD`), if set. */
  foreignIdField?: string;
}

// Sync Leads: "only ASCII characters are supported in the email address field".
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7F]*$/;

/** Whether REST takes `email` as an email address (ASCII only). */
export function restEmailText(email: string): boolean {
  return ASCII.test(email);
}

/** Whether `name` is an attribute REST reads as the lead's email address (checked as one). */
export function isRestEmailAttribute(name: string): boolean {
  return name.toLowerCase() === 'email';
}

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
  if (lead.Email !== undefined && !restEmailText(lead.Email))
    problems.push({
      field: 'Email',
      reason: 'Marketo REST accepts only ASCII characters in an email address',
    });
  // Every attribute REST reads as the email address (its name in any letter case), not only the first.
  for (const [name, value] of Object.entries(lead.attributes))
    if (isRestEmailAttribute(name) && !restEmailText(value))
      problems.push({
        field: `attributes.${name}`,
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
  if (type === undefined) return [{ field: 'type', reason: `REST has no endpoint for ${object.type}` }];
  // A Program goes by the Asset API (programs.ts); every other type by its row of REST_OBJECT_ROUTES,
  // which the compiler makes a type added to the vocabulary have.
  if (type === 'Program') return programProblems(object, operation);
  return REST_OBJECT_ROUTES[type].problems(object, operation);
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
