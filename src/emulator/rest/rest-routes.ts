/**
 * The REST resources the emulator serves, matched by method and path. A path Marketo does not serve
 * here is 610; a known path with another method is 605.
 */

export type RestOperation =
  | 'syncLeads'
  | 'describeLeads'
  | 'describeLeads2'
  | 'syncOpportunities'
  | 'describeOpportunities'
  | 'syncOpportunityRoles'
  | 'describeOpportunityRoles'
  | 'syncCompanies'
  | 'describeCompanies'
  | 'queryOpportunities'
  | 'queryOpportunityRoles'
  | 'updateProgram'
  | 'getProgram'
  | 'addToList'
  | 'removeFromList'
  | 'queryListLeads'
  | 'syncProgramMemberStatus'
  | 'getChannels'
  | 'queryLeads'
  | 'addCustomActivities'
  | 'getActivityTypes'
  | 'getPagingToken'
  | 'queryActivities'
  | 'listCustomObjects'
  | 'describeCustomObject'
  | 'syncCustomObjects'
  | 'deleteCustomObjects';

/**
 * The reads whose parameters are a query string: in the URL, or (a `POST` with `_method=GET`, for a
 * query above 8 KB) as a form-encoded body.
 */
export const QUERY_OPERATIONS: ReadonlySet<RestOperation> = new Set<RestOperation>([
  'queryOpportunities',
  'queryOpportunityRoles',
  'queryLeads',
  'getPagingToken',
  'queryActivities',
  'queryListLeads',
]);

export interface RestRoute {
  operation: RestOperation;
  /** The program id of `/rest/asset/v1/program/{id}.json`. */
  programId?: number;
  /** The list id of `/rest/v1/lists/{listId}/leads.json`. */
  listId?: number;
  /** The custom object type of `/rest/v1/customobjects/{apiName}…`. */
  apiName?: string;
}

const FIXED: Readonly<Record<string, Partial<Record<string, RestOperation>>>> = {
  '/rest/v1/leads.json': { POST: 'syncLeads', GET: 'queryLeads' },
  '/rest/v1/activities/external.json': { POST: 'addCustomActivities' },
  '/rest/v1/activities/external/types.json': { GET: 'getActivityTypes' },
  '/rest/v1/activities/pagingtoken.json': { GET: 'getPagingToken' },
  '/rest/v1/activities.json': { GET: 'queryActivities' },
  '/rest/v1/leads/describe.json': { GET: 'describeLeads' },
  '/rest/v1/leads/describe2.json': { GET: 'describeLeads2' },
  '/rest/v1/opportunities.json': { POST: 'syncOpportunities', GET: 'queryOpportunities' },
  '/rest/v1/opportunities/describe.json': { GET: 'describeOpportunities' },
  '/rest/v1/opportunities/roles.json': { POST: 'syncOpportunityRoles', GET: 'queryOpportunityRoles' },
  '/rest/v1/opportunities/roles/describe.json': { GET: 'describeOpportunityRoles' },
  '/rest/v1/companies.json': { POST: 'syncCompanies' },
  '/rest/v1/companies/describe.json': { GET: 'describeCompanies' },
  '/rest/asset/v1/channels.json': { GET: 'getChannels' },
  '/rest/v1/customobjects.json': { GET: 'listCustomObjects' },
};

const PROGRAM = /^\/rest\/asset\/v1\/program\/(\d{1,10})\.json$/;
const LIST_LEADS = /^\/rest\/v1\/lists\/(\d{1,10})\/leads\.json$/;
const MEMBER_STATUS = /^\/rest\/v1\/programs\/(\d{1,10})\/members\/status\.json$/;
const LIST_METHODS: Readonly<Record<string, RestOperation>> = {
  POST: 'addToList',
  DELETE: 'removeFromList',
  GET: 'queryListLeads',
};
const CUSTOM_OBJECT = /^\/rest\/v1\/customobjects\/([A-Za-z][A-Za-z0-9_]{0,99})(\/describe|\/delete)?\.json$/;

/**
 * The route of a request: a route, `method` (605) or `unknown` (610). `methodOverride` is the URL's
 * `_method`: a `POST` with `_method=GET` is the GET of the same path, its query in the body.
 */
export function matchRestRoute(
  method: string,
  pathname: string,
  methodOverride?: string | null,
): RestRoute | 'method' | 'unknown' {
  const fixed = FIXED[pathname];
  if (fixed) {
    const operation = fixed[method === 'POST' && methodOverride === 'GET' ? 'GET' : method];
    return operation ? { operation } : 'method';
  }
  const program = PROGRAM.exec(pathname);
  if (program) {
    const programId = Number(program[1]);
    if (method === 'POST') return { operation: 'updateProgram', programId };
    if (method === 'GET') return { operation: 'getProgram', programId };
    return 'method';
  }
  const list = LIST_LEADS.exec(pathname);
  if (list) {
    const operation = LIST_METHODS[method];
    return operation ? { operation, listId: Number(list[1]) } : 'method';
  }
  const status = MEMBER_STATUS.exec(pathname);
  if (status)
    return method === 'POST'
      ? { operation: 'syncProgramMemberStatus', programId: Number(status[1]) }
      : 'method';
  const custom = CUSTOM_OBJECT.exec(pathname);
  if (custom) {
    const apiName = custom[1]!;
    const [want, operation] =
      custom[2] === '/describe'
        ? (['GET', 'describeCustomObject'] as const)
        : custom[2] === '/delete'
          ? (['POST', 'deleteCustomObjects'] as const)
          : (['POST', 'syncCustomObjects'] as const);
    return method === want ? { operation, apiName } : 'method';
  }
  return 'unknown';
}
