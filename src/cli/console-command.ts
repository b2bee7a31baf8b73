import { parseArgs } from 'node:util';
import { RedisBuffer } from '../buffer/buffer.js';
import { ConfigError, readConsoleSettings, readWorkerSettings, redisTarget } from '../config.js';
import { startConsoleServer } from '../console/console-server.js';
import { instanceOf, publishIndexSettings } from '../console/worker-console.js';
import { createLogger } from '../log.js';
import { connectRedis, waitReady } from '../redis.js';
import { waitForShutdown } from './signals.js';

export const CONSOLE_HELP = `mktsync console: the operator console in a browser

Serves the console (overview, records, dead letters, reconcile runs) on MKTSYNC_CONSOLE_HOST:
MKTSYNC_CONSOLE_PORT (default 127.0.0.1:9470). Sign in with MKTSYNC_CONSOLE_TOKEN and your name.
Read-only unless MKTSYNC_CONSOLE_WRITE=on (redrive, resolve, run now, cancel).

Options:
  --port P     overrides MKTSYNC_CONSOLE_PORT (0 picks a free port)
Uses REDIS_URL and MKTSYNC_PREFIX like the worker.
`;

export async function consoleCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(CONSOLE_HELP);
    return 0;
  }
  const consoleSettings = readConsoleSettings(
    values.port !== undefined ? { ...env, MKTSYNC_CONSOLE_PORT: values.port } : env,
  );
  if (!consoleSettings.token)
    throw new ConfigError('MKTSYNC_CONSOLE_TOKEN is not set: set it (16+ characters) to open the console');
  const settings = readWorkerSettings(env);
  const log = createLogger('console', settings.logLevel);
  const shutdown = waitForShutdown(log);
  const redis = connectRedis(redisTarget(settings), 'producer', { log });
  try {
    await waitReady(redis);
    const buffer = new RedisBuffer(redis, settings.prefix);
    await publishIndexSettings(buffer, consoleSettings);
    const server = await startConsoleServer({
      instances: [instanceOf(buffer, settings)],
      token: consoleSettings.token,
      write: consoleSettings.write,
      port: consoleSettings.port,
      host: consoleSettings.host,
      log,
    });
    log.info('console ready', { url: server.url, writes: consoleSettings.write });
    process.stdout.write(`console: ${server.url} (sign in with MKTSYNC_CONSOLE_TOKEN)\n`);
    await shutdown;
    await server.close();
    return 0;
  } finally {
    redis.disconnect();
  }
}
