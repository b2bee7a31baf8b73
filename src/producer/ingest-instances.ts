import { shownNames } from '../config.js';
import type { Producer } from './producer.js';
import { changeKindOfPath, CHANGE_KINDS, type ChangeKind } from './change-kinds.js';

/** What a request path names, for routing and for the bounded labels of the request metric. */
export interface IngestRoute {
  /** The `path` label: the path itself for the fixed routes, a template for instance paths, else `other`. */
  label: string;
  /** The `marketo_instance` label: only a configured instance's name. */
  instance?: string;
  /** For `/v1/instances/{name}/<kind>`: the kind of changes. */
  kind?: ChangeKind;
  /** The named instance's producer, when it is configured. */
  producer?: Producer;
  /** Why the named instance cannot take the request (unknown, naming it and the known ones). */
  problem?: string;
}

const INSTANCE_PATH = new RegExp(`^/v1/instances/([^/]{1,200})/(${CHANGE_KINDS.join('|')})$`);

/**
 * Reads an ingest path: `/v1/<kind>` (leads, mobjects, memberships, activities) goes to the default
 * instance, and `/v1/instances/{name}/<kind>` to the instance `name` when `instances` has it.
 */
export function ingestRoute(
  path: string,
  options: { instances?: ReadonlyMap<string, unknown>; defaultInstance?: string },
): IngestRoute {
  if (changeKindOfPath(path) !== undefined)
    return { label: path, ...(options.defaultInstance ? { instance: options.defaultInstance } : {}) };
  const match = INSTANCE_PATH.exec(path);
  if (!match)
    return { label: path.startsWith('/v1/') && !path.startsWith('/v1/instances/') ? path : 'other' };
  const kind = match[2] as ChangeKind;
  const label = `/v1/instances/{name}/${kind}`;
  let name: string;
  try {
    name = decodeURIComponent(match[1]!);
  } catch {
    name = match[1]!;
  }
  const producer = options.instances?.get(name) as Producer | undefined;
  if (producer) return { label, instance: name, kind, producer };
  const known = [...(options.instances?.keys() ?? [])];
  return {
    label,
    kind,
    problem:
      `unknown instance ${JSON.stringify(name.slice(0, 64))}` +
      (known.length > 0
        ? `; this deployment has ${shownNames(known)}`
        : '; this deployment names no instances'),
  };
}
