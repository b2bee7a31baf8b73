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
  | 'listCustomObjects'
  | 'describeCustomObject'
  | 'syncCustomObjects'
  | 'deleteCustomObjects';

export interface RestRoute {
  operation: RestOperation;
  /** The program id of `/rest/asset/v1/program/{id}.json`. */
  programId?: number;
  /** The custom object type of `/rest/v1/customobjects/{apiName}…`. */
  apiName?: string;
}

const FIXED: Readonly<Record<string, Partial<Record<string, RestOperation>>>> = {
  '/rest/v1/leads.json': { POST: 'syncLeads' },
  '/rest/v1/leads/describe.json': { GET: 'describeLeads' },
  '/rest/v1/leads/describe2.json': { GET: 'describeLeads2' },
  '/rest/v1/opportunities.json': { POST: 'syncOpportunities', GET: 'queryOpportunities' },
  '/rest/v1/opportunities/describe.json': { GET: 'describeOpportunities' },
  '/rest/v1/opportunities/roles.json': { POST: 'syncOpportunityRoles', GET: 'queryOpportunityRoles' },
  '/rest/v1/opportunities/roles/describe.json': { GET: 'describeOpportunityRoles' },
  '/rest/v1/companies.json': { POST: 'syncCompanies' },
  '/rest/v1/companies/describe.json': { GET: 'describeCompanies' },
  '/rest/v1/customobjects.json': { GET: 'listCustomObjects' },
};

const PROGRAM = /^\/rest\/asset\/v1\/program\/(\d{1,10})\.json$/;
const CUSTOM_OBJECT = /^\/rest\/v1\/customobjects\/([A-Za-z][A-Za-z0-9_]{0,99})(\/describe|\/delete)?\.json$/;

/** The route of a request: a route, `method` (605) or `unknown` (610). */
export function matchRestRoute(method: string, pathname: string): RestRoute | 'method' | 'unknown' {
  const fixed = FIXED[pathname];
  if (fixed) {
    const operation = fixed[method];
    return operation ? { operation } : 'method';
  }
  const program = PROGRAM.exec(pathname);
  if (program) {
    const programId = Number(program[1]);
    if (method === 'POST') return { operation: 'updateProgram', programId };
    if (method === 'GET') return { operation: 'getProgram', programId };
    return 'method';
  }
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
