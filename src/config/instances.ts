import { ConfigError, type Env } from './config-error.js';
import {
  INSTANCE_NAME,
  MAX_SECRET_FILE_BYTES,
  readBoundedFile,
  readInstancesFile,
  type InstanceSpec,
} from './instances-file.js';
import { readCommonRedis } from './redis-settings.js';
import { readWorkerSettings, type WorkerSettings } from './worker-settings.js';

/** The one instance of a deployment configured by the environment alone, as before instances existed. */
export const DEFAULT_INSTANCE = 'default';

/**
 * The variables that describe one Marketo instance. With an instances file they come from the file
 * alone: an instance never inherits another's endpoint or credentials from the environment.
 */
const INSTANCE_VARIABLES = [
  'MARKETO_TRANSPORT',
  'MARKETO_SOAP_ENDPOINT',
  'MARKETO_USER_ID',
  'MARKETO_ENCRYPTION_KEY',
  'MARKETO_REST_ENDPOINT',
  'MARKETO_IDENTITY_ENDPOINT',
  'MARKETO_CLIENT_ID',
  'MARKETO_CLIENT_SECRET',
  'MARKETO_REST_FOREIGN_ID_FIELD',
  'MARKETO_REST_PARTITION',
] as const;

/** One Marketo instance of the deployment. */
export interface InstanceEntry {
  readonly name: string;
  /** Its key prefix: every key of the instance lives under the hash tag `{prefix}`. */
  readonly prefix: string;
  /**
   * The environment as this instance's commands see it (its prefix, transport, endpoints and limits
   * in the usual variables), without its secrets: enough for producers, readers and reconcile submits.
   */
  readonly env: Env;
}

/** The instances of a deployment: from `MKTSYNC_INSTANCES_FILE`, or the environment's one `default`. */
export interface InstanceCatalog {
  /** True when `MKTSYNC_INSTANCES_FILE` names them. */
  readonly fromFile: boolean;
  /** Every instance's name, in the file's order. */
  readonly names: readonly string[];
  /** Where requests and commands that name no instance go; undefined when they must name one. */
  readonly defaultName: string | undefined;
  /** The instances a worker of this environment serves (`MKTSYNC_INSTANCES`, default all). */
  readonly served: readonly string[];
  has(name: string): boolean;
  /** The instance `name`, or a {@link ConfigError} naming it and the known ones. */
  get(name: string): InstanceEntry;
  /** The instance `name`, or the default one when `name` is undefined; `flag` names what to set. */
  pick(name: string | undefined, flag?: string): InstanceEntry;
  /** The worker settings of instance `name`, its secrets read now; errors name the instance. */
  workerSettings(name: string): WorkerSettings;
  /** The environment of instance `name` with its secrets read now (for `mktsync send`). */
  envWithSecrets(name: string): Env;
}

/** The names for a message: the first 20, then how many in all. */
export function shownNames(names: readonly string[]): string {
  return names.length <= 20
    ? names.join(', ')
    : `${names.slice(0, 20).join(', ')}, … (${names.length} in all)`;
}

/** The text of a secret named by the file, read from its variable or file. */
function readSecret(
  env: Env,
  ref: { env?: string | undefined; file?: string | undefined },
  instance: string,
  field: string,
): string {
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (!value?.trim())
      throw new ConfigError(`instance "${instance}": ${field}.env names ${ref.env}, which is not set`);
    return value;
  }
  const text = readBoundedFile(
    ref.file!,
    MAX_SECRET_FILE_BYTES,
    `instance "${instance}": ${field}.file`,
  ).trim();
  if (!text) throw new ConfigError(`instance "${instance}": ${field}.file ${ref.file} is empty`);
  return text;
}

/** The environment of one instance of a file, over the shared settings of `env`. */
function overlay(env: Env, base: string, spec: InstanceSpec): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(env).filter(([name]) => !(INSTANCE_VARIABLES as readonly string[]).includes(name)),
  );
  out.MKTSYNC_PREFIX = spec.legacyKeys ? base : `${base}:${spec.name}`;
  out.MARKETO_TRANSPORT = spec.transport;
  if (spec.rest) {
    out.MARKETO_REST_ENDPOINT = spec.rest.endpoint;
    if (spec.rest.identityEndpoint) out.MARKETO_IDENTITY_ENDPOINT = spec.rest.identityEndpoint;
    out.MARKETO_CLIENT_ID = spec.rest.clientId;
    if (spec.rest.foreignIdField) out.MARKETO_REST_FOREIGN_ID_FIELD = spec.rest.foreignIdField;
    if (spec.rest.partition) out.MARKETO_REST_PARTITION = spec.rest.partition;
  }
  if (spec.soap) {
    out.MARKETO_SOAP_ENDPOINT = spec.soap.endpoint;
    out.MARKETO_USER_ID = spec.soap.userId;
  }
  if (spec.rateLimit !== undefined) out.MKTSYNC_RATE_LIMIT = String(spec.rateLimit);
  if (spec.rateWindowMs !== undefined) out.MKTSYNC_RATE_WINDOW_MS = String(spec.rateWindowMs);
  if (spec.maxConcurrent !== undefined) out.MKTSYNC_MAX_CONCURRENT = String(spec.maxConcurrent);
  if (spec.dailyQuota !== undefined) out.MKTSYNC_DAILY_QUOTA = String(spec.dailyQuota);
  return out;
}

/** `MKTSYNC_INSTANCES`: the names a worker serves, each checked against `names`. */
function readServed(env: Env, names: readonly string[]): readonly string[] {
  const text = env.MKTSYNC_INSTANCES?.trim();
  if (!text) return names;
  const wanted = text.split(',').map((n) => n.trim());
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length > 0)
    throw new ConfigError(
      `MKTSYNC_INSTANCES names unknown instance(s) ${unknown.map((n) => JSON.stringify(n.slice(0, 64))).join(', ')}; ` +
        `this deployment has ${shownNames(names)}`,
    );
  return names.filter((n) => wanted.includes(n));
}

/**
 * The deployment's instances: `MKTSYNC_INSTANCES_FILE` (JSON, or YAML for `.yaml`/`.yml`) validated
 * whole, or without it one instance named `default` described by the environment exactly as before,
 * its keys under `{MKTSYNC_PREFIX}` unchanged. An instance `x` of a file lives under
 * `{MKTSYNC_PREFIX:x}`, so that Redis Cluster spreads instances over its slots.
 */
export function readInstances(env: Env): InstanceCatalog {
  const base = readCommonRedis(env).prefix;
  const path = env.MKTSYNC_INSTANCES_FILE?.trim();
  const entries = new Map<string, InstanceEntry>();
  const specs = new Map<string, InstanceSpec>();
  let defaultName: string | undefined;
  if (!path) {
    entries.set(DEFAULT_INSTANCE, { name: DEFAULT_INSTANCE, prefix: base, env });
    defaultName = DEFAULT_INSTANCE;
  } else {
    const file = readInstancesFile(path);
    for (const spec of file.instances) {
      const instanceEnv = Object.freeze(overlay(env, base, spec));
      entries.set(spec.name, { name: spec.name, prefix: instanceEnv.MKTSYNC_PREFIX!, env: instanceEnv });
      specs.set(spec.name, spec);
    }
    defaultName = file.default;
  }
  const names = [...entries.keys()];
  const served = readServed(env, names);

  const get = (name: string): InstanceEntry => {
    const entry = entries.get(name);
    if (entry) return entry;
    const shown = INSTANCE_NAME.test(name) ? name : `${name.slice(0, 64)}`;
    throw new ConfigError(
      `unknown instance ${JSON.stringify(shown)}; this deployment has ${shownNames(names)}`,
    );
  };
  const envWithSecrets = (name: string): Env => {
    const entry = get(name);
    const spec = specs.get(name);
    if (!spec) return entry.env;
    const full: Record<string, string | undefined> = { ...entry.env };
    if (spec.rest)
      full.MARKETO_CLIENT_SECRET = readSecret(env, spec.rest.clientSecret, name, 'rest.clientSecret');
    if (spec.soap)
      full.MARKETO_ENCRYPTION_KEY = readSecret(env, spec.soap.encryptionKey, name, 'soap.encryptionKey');
    return full;
  };
  return Object.freeze({
    fromFile: Boolean(path),
    names,
    defaultName,
    served,
    has: (name: string) => entries.has(name),
    get,
    pick(name: string | undefined, flag = '--instance') {
      if (name !== undefined) return get(name);
      if (defaultName !== undefined) return get(defaultName);
      throw new ConfigError(
        `${flag} is required: the instances file names no default; this deployment has ${shownNames(names)}`,
      );
    },
    envWithSecrets,
    workerSettings(name: string): WorkerSettings {
      const full = envWithSecrets(name);
      if (!specs.has(name)) return readWorkerSettings(full);
      try {
        return readWorkerSettings(full);
      } catch (error) {
        if (error instanceof ConfigError) throw new ConfigError(`instance "${name}": ${error.message}`);
        throw error;
      }
    },
  });
}
