import { shownNames } from '../config.js';
import type { Producer } from './producer.js';

/** What a request path names, for routing and for the bounded labels of the request metric. */
export interface IngestRoute {
  /** The `path` label: the path itself for the fixed routes, a template for instance paths, else `other`. */
  label: string;
  /** The `marketo_instance` label: only a configured instance's name. */
  instance?: string;
  /** For `/v1/instances/{name}/leads|mobjects`: the kind of changes. */
  kind?: 'leads' | 'mobjects';
  /** The named instance's producer, when it is configured. */
  producer?: Producer;
  /** Why the named instance cannot take the request (unknown, naming it and the known ones). */
  problem?: string;
}

const INSTANCE_PATH = /^\/v1\/instances\/([^/]{1,200})\/(leads|mobjects)$/;

/**
 * Reads an ingest path: `/v1/leads` and `/v1/mobjects` go to the default instance, and
 * `/v1/instances/{name}/leads|mobjects` to the instance `name` when `instances` has it.
 */
export function ingestRoute(
  path: string,
  options: { instances?: ReadonlyMap<string, unknown>; defaultInstance?: string },
): IngestRoute {
  if (path === '/v1/leads' || path === '/v1/mobjects')
    return { label: path, ...(options.defaultInstance ? { instance: options.defaultInstance } : {}) };
  const match = INSTANCE_PATH.exec(path);
  if (!match)
    return { label: path.startsWith('/v1/') && !path.startsWith('/v1/instances/') ? path : 'other' };
  const kind = match[2] as 'leads' | 'mobjects';
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
