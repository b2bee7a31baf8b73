import { readInstances, type Env } from '../config.js';

/** The `--instance NAME` option of the commands that read or write one instance's keys. */
export const INSTANCE_OPTION = { instance: { type: 'string' } } as const;

/** Its line in the commands' help. */
export const INSTANCE_HELP =
  "  --instance NAME  the Marketo instance of MKTSYNC_INSTANCES_FILE (default: the file's default;\n" +
  '                   without a file the one instance is named default)\n';

/**
 * The environment of the instance `--instance` names (its prefix, transport and limits in the usual
 * variables, its secrets left out), so that the command then reads it as it always did. An unknown
 * name is a `ConfigError` naming it and the known ones.
 */
export function instanceEnv(env: Env, name: string | undefined): Env {
  return readInstances(env).pick(name).env;
}

/** As {@link instanceEnv}, with the instance's secrets read (for commands that call Marketo). */
export function instanceEnvWithSecrets(env: Env, name: string | undefined): Env {
  const catalog = readInstances(env);
  return catalog.envWithSecrets(catalog.pick(name).name);
}
