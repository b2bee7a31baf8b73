import type { StoredMObject } from '../buffer/types.js';
import type { ObjectGroup, RecordResult } from '../transport/contract.js';
import { objectResults } from './answer.js';
import { notSentIfFails } from './client-results.js';
import type { FieldCatalog } from './describe.js';
import { REST_OBJECT_ROUTES, type RestDedupeBy, type RestObjectType } from './object-routes.js';
import { OBJECT_ACTIONS, restObject } from './objects.js';
import type { RestCalls } from './rest-calls.js';
import { sendInParts } from './key-mode-parts.js';

/**
 * Sends one object group (opportunities, roles, companies) over REST: its records mapped by the type's
 * Describe and route, one request per way of naming them (`dedupeBy`), dedupe fields first.
 */
export async function sendObjects(
  calls: Pick<RestCalls, 'sendJson' | 'admitAnother'>,
  catalog: FieldCatalog,
  group: ObjectGroup,
  type: RestObjectType,
  objects: readonly StoredMObject[],
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  const names = new Set(objects.flatMap((o) => Object.keys(o.attributes ?? {})));
  const fields = await notSentIfFails(catalog.tableFor(type, names, signal));
  const mapped = objects.map((o) => restObject(o, type, group.operation, fields));
  const route = REST_OBJECT_ROUTES[type];
  const action = OBJECT_ACTIONS[group.operation];
  // One dedupeBy per request: a batch naming some records by id (idField) and others by their
  // dedupe fields goes as one request per kind, dedupe fields first.
  const parts = new Map<RestDedupeBy, number[]>();
  objects.forEach((o, i) => {
    const by = route.dedupeBy?.(o) ?? 'dedupeFields';
    parts.set(by, [...(parts.get(by) ?? []), i]);
  });
  if (parts.size === 1) {
    const [dedupeBy] = parts.keys();
    return calls.sendJson(route.path, { action, dedupeBy }, mapped, objectResults, signal);
  }
  return sendInParts(calls, parts, objects.length, (dedupeBy, indexes) =>
    calls.sendJson(
      route.path,
      { action, dedupeBy },
      indexes.map((i) => mapped[i]!),
      objectResults,
      signal,
    ),
  );
}
