import type { Cluster, Redis } from 'ioredis';
import { RedisBuffer } from '../buffer/buffer.js';
import type { ConsoleSettings, InstanceCatalog, ReconcileSettings } from '../config.js';
import { createConsoleHandler } from '../console/console-server.js';
import { instanceOf, publishIndexSettings } from '../console/worker-console.js';
import { instanceLogger, type Logger } from '../log.js';
import { startWorkerReconcile } from '../reconcile/worker-reconcile.js';
import { startInstanceWorkers, type ServedInstance } from '../worker/instances-worker.js';

/**
 * `mktsync worker` with an instances file: one worker per served instance (`MKTSYNC_INSTANCES`, default
 * all) in this process, one HTTP port for them all, the console (when on) showing every one, and a
 * reconcile processor per instance. Runs until `shutdown` resolves.
 */
export async function runInstanceWorkers(
  catalog: InstanceCatalog,
  served: readonly ServedInstance[],
  redis: Redis | Cluster,
  consoleSettings: ConsoleSettings,
  reconcileSettings: ReconcileSettings,
  log: Logger,
  shutdown: Promise<unknown>,
  tuning: { loops?: number; idlePollMs?: number },
): Promise<void> {
  const consoleInstances = served.map(({ name, settings }) => ({
    ...instanceOf(new RedisBuffer(redis, settings.prefix), settings),
    name,
  }));
  for (const i of consoleInstances) await publishIndexSettings(i.buffer, consoleSettings);
  let routes;
  if (consoleSettings.onWorker && consoleSettings.token)
    routes = {
      prefix: '/console',
      handle: createConsoleHandler({
        instances: consoleInstances,
        token: consoleSettings.token,
        write: consoleSettings.write,
        log,
      }),
    };
  else if (consoleSettings.onWorker)
    log.warn('MKTSYNC_CONSOLE_ON_WORKER=on but MKTSYNC_CONSOLE_TOKEN is not set: the console stays off');
  const workers = await startInstanceWorkers(served, {
    log,
    redis,
    ...(routes ? { routes } : {}),
    ...tuning,
  });
  const reconciles = [];
  for (const { name, settings } of served)
    reconciles.push(await startWorkerReconcile(settings, reconcileSettings, instanceLogger(log, name)));
  log.info('worker ready', { url: workers.url, instances: catalog.served });
  await shutdown;
  await Promise.all(reconciles.map((r) => r.close()));
  await workers.stop();
}
