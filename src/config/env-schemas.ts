import { consoleEnvSchema } from './console-settings.js';
import { ingestEnvSchema, idempotencyEnvSchema } from './ingest-settings.js';
import { reconcileEnvSchema } from './reconcile-settings.js';
import { workerEnvSchema } from './worker-settings.js';

/**
 * The schemas of the variables read through zod, so that a test can hold the README's configuration
 * table against them (every variable listed, with its default). Variables read directly (`env.X`
 * above) are found by that test in this file's text.
 */
export const ENV_SCHEMAS = Object.freeze({
  worker: workerEnvSchema,
  ingest: ingestEnvSchema,
  idempotency: idempotencyEnvSchema,
  reconcile: reconcileEnvSchema,
  console: consoleEnvSchema,
});
