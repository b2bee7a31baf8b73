import { randomBytes } from 'node:crypto';
import type { RedisBuffer } from '../buffer/buffer.js';
import { readConsoleSettings, type WorkerSettings } from '../config.js';
import { startConsoleServer } from '../console/console-server.js';
import { instanceOf, publishIndexSettings } from '../console/worker-console.js';
import { silentLogger } from '../log.js';
import { waitForShutdown } from './signals.js';

/** The `--console` line of `mktsync demo --help`. */
export const DEMO_CONSOLE_HELP = `  --console            after the summary, keep the workers and emulator running and serve the operator
                       console (writes enabled, a one-time token printed) until Ctrl-C
`;

/**
 * `mktsync demo --console`: serves the console over the demo's Redis with a fresh token (the demo's
 * data is throwaway, so writes are on) and waits for Ctrl-C; the demo's workers keep running.
 */
export async function serveDemoConsole(
  buffer: RedisBuffer,
  settings: WorkerSettings,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<void> {
  const consoleSettings = readConsoleSettings(env);
  const token = consoleSettings.token ?? randomBytes(12).toString('hex');
  await publishIndexSettings(buffer, consoleSettings);
  const server = await startConsoleServer({
    instances: [instanceOf(buffer, settings)],
    token,
    write: true,
    port: consoleSettings.port,
    host: consoleSettings.host,
  });
  say(`\n• console: ${server.url}`);
  say(`  sign in with any name and the token ${consoleSettings.token ? '(MKTSYNC_CONSOLE_TOKEN)' : token}`);
  say('  Ctrl-C stops the console, the workers and everything the demo started');
  await waitForShutdown(silentLogger);
  await server.close();
}
