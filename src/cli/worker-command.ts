import { parseArgs } from 'node:util';
import { readWorkerSettings } from '../config.js';
import { createLogger } from '../log.js';
import { startWorker } from '../worker/worker.js';
import { waitForShutdown } from './signals.js';

export const WORKER_HELP = `mktsync worker: batch changes from Redis and send them to Marketo

Configuration comes from the environment (see the README's configuration table): REDIS_URL,
MARKETO_SOAP_ENDPOINT, MARKETO_USER_ID, MARKETO_ENCRYPTION_KEY, MKTSYNC_* settings.

Options:
  --port P     port of /livez and /readyz (overrides MKTSYNC_HTTP_PORT)
  --loops N    dispatch loops in this process (default: MKTSYNC_MAX_CONCURRENT)

SIGTERM or SIGINT stops claiming and starting calls, and finishes calls in flight up to
MKTSYNC_SHUTDOWN_TIMEOUT_MS; then it abandons them (updates go back to pending, creates end
INDETERMINATE) and exits. A second signal exits at once.
`;

export async function workerCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      loops: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  const settings = readWorkerSettings(
    values.port !== undefined ? { ...env, MKTSYNC_HTTP_PORT: values.port } : env,
  );
  const log = createLogger('worker', settings.logLevel);
  const worker = await startWorker(settings, {
    log,
    ...(values.loops !== undefined ? { loops: Number(values.loops) } : {}),
  });
  log.info('worker ready', { url: worker.url });
  await waitForShutdown(log);
  await worker.stop();
  return 0;
}
