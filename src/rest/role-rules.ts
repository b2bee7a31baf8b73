import type { StoredMObject } from '../buffer/types.js';
import type { RestProblem } from './rest-problem.js';

/**
 * An OpportunityPersonRole in REST terms (Sync Opportunity Roles): keyed by its opportunity's
 * `externalOpportunityId`, its `leadId` and its `role`.
 */

/** What REST cannot express of a role. */
export function roleProblems(object: StoredMObject): RestProblem[] {
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

/** The key fields a role's associations give its REST record. */
export function roleKeys(object: StoredMObject): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  for (const a of object.associations ?? []) {
    if (a.mObjType === 'Opportunity' && a.externalKey) record.externalOpportunityId = a.externalKey.value;
    if (a.mObjType === 'Lead' && a.id !== undefined) record.leadId = a.id;
  }
  return record;
}
