import { readIntakeSettings, type InstanceCatalog } from '../config.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';

/** What a producer writes to for the instance it names: the key prefix and the intake rules. */
export interface ProducerTarget {
  prefix: string;
  instance?: string;
  transport?: TransportKind;
  restForeignIdField?: string;
}

/**
 * Where a producer writes. With `instances` (from `readInstances(env)`), `instance` (or the catalog's
 * default) must be one of them, else a `ConfigError` names it; its prefix and intake rules come from
 * the catalog. With `instance` alone, the keys are the file instance's `{prefix:instance}`. With
 * neither, the deployment's one instance under `{prefix}`, as before instances existed.
 */
export function producerTarget(options: {
  prefix?: string | undefined;
  instance?: string | undefined;
  instances?: InstanceCatalog | undefined;
  transport?: TransportKind | undefined;
  restForeignIdField?: string | undefined;
}): ProducerTarget {
  const base = options.prefix ?? 'mktsync';
  const given = {
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.restForeignIdField ? { restForeignIdField: options.restForeignIdField } : {}),
  };
  if (options.instances) {
    const entry = options.instances.pick(options.instance, 'instance');
    const intake = readIntakeSettings(entry.env);
    return { prefix: entry.prefix, instance: entry.name, ...intake, ...given };
  }
  if (options.instance !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(options.instance))
      throw new TypeError(
        `instance: must be 1-64 letters, digits, '-', '_', '.', got ${JSON.stringify(options.instance.slice(0, 64))}`,
      );
    return { prefix: `${base}:${options.instance}`, instance: options.instance, ...given };
  }
  return { prefix: base, ...given };
}
