import type { StoredMObject } from '../buffer/types.js';
import type { RestProblem } from './rest-problem.js';

/**
 * An Opportunity in REST terms (Sync Opportunities): named by its `externalOpportunityId` (the
 * change's externalKey), linked to a Company by `externalCompanyId` only.
 */

/** What REST cannot express of an Opportunity. */
export function opportunityProblems(object: StoredMObject): RestProblem[] {
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

/** The key and association fields of an Opportunity's REST record. */
export function opportunityKeys(object: StoredMObject): Record<string, string> {
  const record: Record<string, string> = { externalOpportunityId: object.externalKey!.value };
  const company = object.associations?.find((a) => a.mObjType === 'Company');
  if (company?.externalKey) record.externalCompanyId = company.externalKey.value;
  return record;
}
