import type { CallAttempt } from '../transport/attempt.js';
import type { MarketoCallError } from '../transport/contract.js';
import { CALL_CODES } from './codes.js';
import { REST_OBJECT_ROUTES } from './object-routes.js';

/** What one HTTP request did, for metrics and logs. */
export interface RestAttemptReport {
  path: string;
  /** POST unless said (a lookup by key is a GET on a sync endpoint's path). */
  method?: 'GET' | 'POST' | 'DELETE';
  records: number;
  durationMs: number;
  error?: MarketoCallError;
}

/**
 * A REST attempt in the transport-neutral terms the metrics count. The `operation` label stays
 * bounded: REST paths carry program ids, so they are named by endpoint, never used as they are.
 */

const REST_OPERATIONS: readonly (readonly [RegExp, string])[] = [
  [/^\/rest\/v1\/leads\.json$/, 'syncLeads'],
  [/^\/rest\/v1\/leads\/describe2?\.json$/, 'describeLeads'],
  // Each object type's sync endpoint, from its route (paths hold no id: matched as they are).
  ...Object.values(REST_OBJECT_ROUTES).map(
    (route) => [new RegExp(`^${route.path.replace(/[.]/g, '\\.')}$`), route.operation] as const,
  ),
  [/^\/rest\/asset\/v1\/program\/\d+\.json$/, 'updateProgram'],
];

// A GET on the sync endpoints' paths is a query (Get Opportunities, Get Opportunity Roles).
const REST_QUERIES: Readonly<Record<string, string>> = {
  syncOpportunities: 'getOpportunities',
  syncOpportunityRoles: 'getOpportunityRoles',
};

/** The bounded operation name of a REST path: Adobe's endpoint name, or `other`. */
export function restOperation(path: string, method: 'GET' | 'POST' | 'DELETE' = 'POST'): string {
  const bare = path.split('?')[0] ?? '';
  const name = REST_OPERATIONS.find(([pattern]) => pattern.test(bare))?.[1] ?? 'other';
  return method === 'GET' ? (REST_QUERIES[name] ?? name) : name;
}

/**
 * A REST attempt: the endpoint's name as the operation; a code Marketo documents (`"606"`) counts as
 * a fault, anything else (`http:502`, `response-timeout`, `malformed-answer`, an undocumented code)
 * as an error with code null.
 */
export function restCallAttempt(report: RestAttemptReport): CallAttempt {
  const attempt: CallAttempt = {
    operation: restOperation(report.path, report.method),
    records: report.records,
    durationMs: report.durationMs,
  };
  if (report.error) {
    // Only codes Marketo documents become label values: any other text an answer carries would add a series.
    const known = report.error.code !== null && Object.hasOwn(CALL_CODES, report.error.code);
    const code = known ? report.error.code : null;
    attempt.error = { category: report.error.category, code };
  }
  return attempt;
}
