import type { StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../vocabulary/object-operations.js';
import type { ObjectType } from '../vocabulary/object-types.js';
import { companyDedupeBy, companyKeys, companyProblems } from './company-rules.js';
import { opportunityKeys, opportunityProblems } from './opportunity-rules.js';
import type { RestProblem } from './rest-problem.js';
import { roleKeys, roleProblems } from './role-rules.js';

/**
 * Where each object type goes over REST and what it needs there: one row per type. Every type but a
 * Program (the Asset API, `programs.ts`) is sent the same way, `{action, dedupeBy: dedupeFields,
 * input}` to its sync endpoint, 300 a call, with per-record results matched by `seq`; the client,
 * Describe and the intake rules read their part from this table, so a new type is its row here (and
 * its rules file), not an edit of each of them.
 */

/** The object types sent through a Lead Database sync endpoint. */
export type RestObjectType = Exclude<ObjectType, 'Program'>;

/** One type's REST route and rules. */
export interface RestObjectRoute {
  /** The sync endpoint (`POST`). */
  readonly path: string;
  /** Adobe's name of the sync endpoint: the metrics' `operation` label of its calls. */
  readonly operation: string;
  /** Its Describe (`GET`): the field names, types and which are updateable. */
  readonly describePath: string;
  /** Change-format attribute names whose REST name is not the same word (found ignoring case otherwise). */
  readonly aliases: Readonly<Record<string, string>>;
  /** The REST fields that name the record: not updateable, but a create must carry them. */
  readonly keyFields: readonly string[];
  /** What REST cannot express of the object, naming the change format's field; none when it can go. */
  problems(object: StoredMObject, operation: ObjectOperation): RestProblem[];
  /** The key and association fields of its REST record (the other fields come from its attributes). */
  keys(object: StoredMObject): Record<string, string | number>;
  /**
   * How Marketo finds the record (`dedupeBy`): by its dedupe fields, or by its id field where the
   * type lets an update name it so. Absent: always `dedupeFields`. A call holds one `dedupeBy`, so
   * the client sends a batch mixing both as two requests.
   */
  dedupeBy?(object: StoredMObject): RestDedupeBy;
}

/** Sync's `dedupeBy`: the dedupe fields, or the id field (Adobe: with `updateOnly` only). */
export type RestDedupeBy = 'dedupeFields' | 'idField';

/** The routes: a `Record` over the types, so a type added to the vocabulary without its row does not compile. */
export const REST_OBJECT_ROUTES: Readonly<Record<RestObjectType, RestObjectRoute>> = {
  Opportunity: {
    path: '/rest/v1/opportunities.json',
    operation: 'syncOpportunities',
    describePath: '/rest/v1/opportunities/describe.json',
    aliases: { LeadSource: 'source' },
    keyFields: ['externalOpportunityId'],
    problems: opportunityProblems,
    keys: opportunityKeys,
  },
  OpportunityPersonRole: {
    path: '/rest/v1/opportunities/roles.json',
    operation: 'syncOpportunityRoles',
    describePath: '/rest/v1/opportunities/roles/describe.json',
    aliases: { PersonId: 'leadId' },
    keyFields: ['externalOpportunityId', 'leadId', 'role'],
    problems: roleProblems,
    keys: roleKeys,
  },
  Company: {
    path: '/rest/v1/companies.json',
    operation: 'syncCompanies',
    describePath: '/rest/v1/companies/describe.json',
    aliases: {},
    keyFields: ['externalCompanyId'],
    problems: companyProblems,
    keys: companyKeys,
    dedupeBy: companyDedupeBy,
  },
};
