#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has produced dist/, else the TypeScript sources through tsx,
// so that `npx mktsync` works straight after `npm ci` without a build step.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// A SIGTERM or SIGINT that arrives while the CLI is still loading (tsx compiles the sources, which can
// take seconds on a loaded machine) would end the process by the signal's default action. It is held
// here and handed over to the command (src/cli/signals.ts), which then stops as cleanly as later on.
const early = {
  signal: undefined,
  listener: (signal) => {
    early.signal ??= signal;
  },
};
process.on('SIGTERM', early.listener);
process.on('SIGINT', early.listener);
globalThis[Symbol.for('mktsync.early-signals')] = early;

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
