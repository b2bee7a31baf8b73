import { parseArgs } from 'node:util';
import { readConsoleSettings, readInstances, readReconcileSettings, redisTarget } from '../config.js';
import { runInstanceWorkers } from './worker-instances.js';
import { createLogger } from '../log.js';
import { connectRedis } from '../redis.js';
import { startWorker } from '../worker/worker.js';
import { workerConsoleRoutes } from '../console/worker-console.js'; // console
import { waitForRedis } from './redis-wait.js';
import { startWorkerReconcile } from '../reconcile/worker-reconcile.js';
import { waitForShutdown } from './signals.js';
import { applyWorkerHeapSizing } from './worker-heap.js';

export const WORKER_HELP = `mktsync worker: batch changes from Redis and send them to Marketo

Configuration comes from the environment (see the README's configuration table): REDIS_URL,
MARKETO_SOAP_ENDPOINT, MARKETO_USER_ID, MARKETO_ENCRYPTION_KEY, MKTSYNC_* settings.

Options:
  --port P     port of /livez and /readyz (overrides MKTSYNC_HTTP_PORT)
  --loops N    dispatch loops in this process (default: MKTSYNC_MAX_CONCURRENT)
  --idle-poll-ms N  with an instances file: longest idle sleep of an instance's loops (default 1000)

Reconcile runs (mktsync reconcile) are processed beside the batch loops: MKTSYNC_RECONCILE=off keeps
this worker out of them, MKTSYNC_RECONCILE_CONCURRENCY sets how many at once (default 1).

The worker keeps its V8 heap near its live data (--heap-growing-percent=20, set at start) unless node
was started with its own (node --heap-growing-percent=N bin/mktsync.js worker); a
--max-old-space-size cap (NODE_OPTIONS) still applies beside it.

SIGTERM or SIGINT stops claiming and starting calls, and finishes calls in flight up to
MKTSYNC_SHUTDOWN_TIMEOUT_MS; then it abandons them (updates go back to pending, creates end
INDETERMINATE) and exits. A second signal exits at once. While Redis is
unreachable the worker keeps retrying, logs why, and answers /readyz with 503 and the reason.

Marketo instances: MKTSYNC_INSTANCES_FILE names several (README, "Several Marketo instances");
MKTSYNC_INSTANCES=a,b restricts the ones this worker serves, each with its own limits and loops.
`;

export async function workerCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      loops: { type: 'string' },
      'idle-poll-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  const given = values.port !== undefined ? { ...env, MKTSYNC_HTTP_PORT: values.port } : env;
  // instances: with MKTSYNC_INSTANCES_FILE, one worker per served instance (worker-instances.ts)
  const catalog = readInstances(given);
  const served = catalog.served.map((name) => ({ name, settings: catalog.workerSettings(name) }));
  const settings = served[0]!.settings;
  const log = createLogger('worker', settings.logLevel);
  // A long-running drain keeps little live data but makes much garbage: keep the heap near the former.
  const heapFlag = applyWorkerHeapSizing();
  if (heapFlag !== undefined) log.debug('V8 heap sizing', { flag: heapFlag });
  const shutdown = waitForShutdown(log);
  const redis = connectRedis(redisTarget(settings), 'worker', { log });
  try {
    const health = { port: settings.httpPort, host: settings.httpHost };
    if ((await waitForRedis(redis, log, health, shutdown)) === 'stopped') return 0;
    if (catalog.fromFile) {
      const loops = values.loops !== undefined ? Number(values.loops) : undefined;
      const consoleSettings = readConsoleSettings(env);
      await runInstanceWorkers(
        catalog,
        served,
        redis,
        consoleSettings,
        readReconcileSettings(env),
        log,
        shutdown,
        {
          ...(loops !== undefined ? { loops } : {}),
          ...(values['idle-poll-ms'] !== undefined ? { idlePollMs: Number(values['idle-poll-ms']) } : {}),
        },
      );
      return 0;
    }
    const worker = await startWorker(settings, {
      log,
      redis,
      instance: served[0]!.name,
      // console: index bounds for the settle script, and the console on this port when enabled
      ...(await workerConsoleRoutes(redis, settings, readConsoleSettings(env), log)),
      ...(values.loops !== undefined ? { loops: Number(values.loops) } : {}),
    });
    const reconcile = await startWorkerReconcile(settings, readReconcileSettings(env), log);
    log.info('worker ready', { url: worker.url });
    await shutdown;
    await reconcile.close();
    await worker.stop();
    return 0;
  } finally {
    redis.disconnect();
  }
}
