/**
 * The one module that turns environment variables into typed, validated settings, one concept per file
 * in `src/config/`. Callers pass the environment in (the CLI passes `process.env`), so nothing else
 * reads it and tests can hand in their own. This file only re-exports.
 */
export * from './config/config-error.js';
export * from './config/console-settings.js';
export * from './config/env-schemas.js';
export * from './config/ingest-settings.js';
export * from './config/reconcile-settings.js';
export * from './config/redis-settings.js';
export * from './config/rest-settings.js';
export * from './config/soap-settings.js';
export * from './config/transport-choice.js';
export * from './config/worker-settings.js';
export * from './config/instances.js';
export * from './config/instances-file.js';
