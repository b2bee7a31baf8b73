import type http from 'node:http';
import type { CallLogEntry } from '../call-log.js';
import type { EmulatorConfig } from '../config.js';
import type { ActivityStore } from '../activity-store.js';
import type { LeadStore } from '../lead-store.js';
import type { MembershipStore } from '../membership-store.js';
import type { MObjectStore } from '../mobject-store.js';
import type { LeadFieldCatalogue } from './lead-fields.js';
import { newRequestId, RestCallError, successBody } from './rest-answer.js';
import { describeLeads, describeLeads2, describeOpportunities, describeRoles } from './rest-describe.js';
import { readSyncLeads, syncLeads } from './rest-leads.js';
import { readSyncObjects, syncObjects } from './rest-objects.js';
import { describeCompanies, readSyncCompanies, syncCompanies } from './rest-companies.js';
import type { CustomObjectStore } from '../custom-object-store.js';
import {
  customObjectType,
  deleteCustomObjects,
  describeCustomObject,
  listCustomObjects,
  readDeleteCustomObjects,
  readSyncCustomObjects,
  syncCustomObjects,
} from './rest-custom-objects.js';
import { findProgram, programView, updateProgram } from './rest-programs.js';
import { queryObjects } from './rest-query.js';
import { changeList, findList, leadsOfList, readListRequest } from './rest-lists.js';
import { channelsView, readStatusCall, syncProgramMemberStatus } from './rest-program-members.js';
import { isJsonObject, type JsonObject } from './rest-records.js';
import { QUERY_OPERATIONS, type RestRoute } from './rest-routes.js';
import { activityTypesView, addActivities, leadActivities, pagingToken } from './rest-activities.js';
import { queryLeads } from './rest-lead-query.js';

/**
 * From an admitted REST call to its answer: the body read as the route wants it (JSON for the syncs,
 * a form for Update Program, nothing for the Describes), then the operation applied to the stores.
 */

/** A request's parameters: a JSON object, a form or a query string, or nothing. */
export type RestRequest = JsonObject | URLSearchParams | undefined;

export interface DispatchContext {
  config: EmulatorConfig;
  leads: LeadStore;
  mobjects: MObjectStore;
  fields: LeadFieldCatalogue;
  memberships: MembershipStore;
  activities: ActivityStore;
  customObjects: CustomObjectStore;
}

/** Reads the request's parameters as the route wants them; fills the call log entry. */
export function readRestRequest(
  route: RestRoute,
  req: http.IncomingMessage,
  raw: Buffer,
  entry: CallLogEntry,
  url: URL,
): RestRequest {
  if (QUERY_OPERATIONS.has(route.operation)) {
    if (req.method !== 'POST') return url.searchParams;
    // A long query sent as POST with _method=GET: its parameters are the form-encoded body.
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? ''))
      throw new RestCallError(612, 'Invalid Content Type: use application/x-www-form-urlencoded');
    return new URLSearchParams(raw.toString('utf8'));
  }
  if (route.operation === 'updateProgram') {
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? ''))
      throw new RestCallError(612, 'Invalid Content Type: use application/x-www-form-urlencoded');
    const form = new URLSearchParams(raw.toString('utf8'));
    entry.records = [Object.fromEntries(form)];
    entry.recordCount = 1;
    return form;
  }
  if (route.operation === 'addToList' || route.operation === 'removeFromList') {
    const { ids } = readListRequest(req.url, req.headers['content-type'], raw);
    entry.records = ids.map((id) => ({ id }));
    entry.recordCount = ids.length;
    return { ids };
  }
  if (
    !route.operation.startsWith('sync') &&
    route.operation !== 'addCustomActivities' &&
    route.operation !== 'deleteCustomObjects'
  )
    return undefined;
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new RestCallError(612, 'Invalid Content Type: use application/json');
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new RestCallError(609, 'Invalid JSON');
  }
  if (!isJsonObject(body)) throw new RestCallError(609, 'Invalid JSON: the body must be a JSON object');
  if (Array.isArray(body.input)) {
    entry.records = body.input;
    entry.recordCount = body.input.length;
  }
  if (route.apiName !== undefined) entry.apiName = route.apiName;
  for (const name of [
    'action',
    'lookupField',
    'partitionName',
    'dedupeBy',
    'statusName',
    'deleteBy',
  ] as const) {
    const value = body[name];
    if (typeof value === 'string') entry[name] = value.slice(0, 100);
  }
  return body;
}

export function executeRest(route: RestRoute, request: RestRequest, context: DispatchContext): unknown {
  const { config, leads, mobjects, fields, memberships, activities } = context;
  const rest = config.rest;
  const rules = config.faults.recordRules;
  switch (route.operation) {
    case 'syncLeads':
      return successBody(
        syncLeads(readSyncLeads(request as JsonObject, rest), { leads, catalogue: fields, rest, rules }),
      );
    case 'syncOpportunities':
    case 'syncOpportunityRoles': {
      const kind = route.operation === 'syncOpportunities' ? 'opportunity' : 'role';
      const call = readSyncObjects(kind, request as JsonObject, rest);
      return successBody(syncObjects(call, { objects: mobjects, leads, rest, rules }));
    }
    case 'syncCompanies':
      return successBody(
        syncCompanies(readSyncCompanies(request as JsonObject, rest), { objects: mobjects, rules }),
      );
    case 'describeCompanies':
      return successBody(describeCompanies());
    case 'listCustomObjects':
      return successBody(listCustomObjects(context.customObjects));
    case 'describeCustomObject':
      return successBody(describeCustomObject(customObjectType(context.customObjects, route.apiName!)));
    case 'syncCustomObjects':
    case 'deleteCustomObjects': {
      const type = customObjectType(context.customObjects, route.apiName!);
      const objects = { store: context.customObjects, leads, rules };
      return successBody(
        route.operation === 'syncCustomObjects'
          ? syncCustomObjects(readSyncCustomObjects(type, request as JsonObject, rest), objects)
          : deleteCustomObjects(readDeleteCustomObjects(type, request as JsonObject, rest), objects),
      );
    }
    case 'queryOpportunities':
    case 'queryOpportunityRoles': {
      const kind = route.operation === 'queryOpportunities' ? 'opportunity' : 'role';
      return successBody(queryObjects(kind, request as URLSearchParams, mobjects));
    }
    case 'describeLeads':
      return successBody(describeLeads(fields));
    case 'describeLeads2':
      return successBody(describeLeads2(fields));
    case 'describeOpportunities':
      return successBody(describeOpportunities());
    case 'describeOpportunityRoles':
      return successBody(describeRoles());
    case 'updateProgram':
      return successBody([updateProgram(route.programId!, request as URLSearchParams, mobjects, rest)], {
        warnings: [],
        errors: [],
      });
    case 'addToList':
    case 'removeFromList': {
      const list = findList(memberships, route.listId!);
      const ids = (request as { ids: number[] }).ids;
      return successBody(changeList(route.operation === 'addToList' ? 'add' : 'remove', list, ids, leads));
    }
    case 'queryListLeads': {
      const page = leadsOfList(findList(memberships, route.listId!), request as URLSearchParams, leads);
      return successBody(page.result, page.nextPageToken ? { nextPageToken: page.nextPageToken } : {});
    }
    case 'syncProgramMemberStatus':
      return successBody(
        syncProgramMemberStatus(route.programId!, readStatusCall(request as JsonObject), {
          mobjects,
          memberships,
          leads,
          rest,
        }),
      );
    case 'getChannels':
      return successBody(channelsView(memberships), { warnings: [], errors: [] });
    case 'queryLeads': {
      const { result, ...paging } = queryLeads(request as URLSearchParams, leads, fields);
      return successBody(result, paging);
    }
    case 'addCustomActivities':
      return successBody(addActivities(request as JsonObject, { activities, leads, rest, rules }));
    case 'getActivityTypes':
      return successBody(activityTypesView(activities));
    case 'getPagingToken':
      return {
        requestId: newRequestId(),
        success: true,
        nextPageToken: pagingToken(request as URLSearchParams),
      };
    case 'queryActivities': {
      const { result, ...paging } = leadActivities(request as URLSearchParams, activities);
      return successBody(result, paging);
    }
    case 'getProgram':
      return successBody([programView(findProgram(mobjects, route.programId!, rest))], {
        warnings: [],
        errors: [],
      });
  }
}
