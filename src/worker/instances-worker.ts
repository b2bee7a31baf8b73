import http from 'node:http';
import type { Cluster, Redis } from 'ioredis';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { WorkerSettings } from '../config.js';
import { registerProcessMetrics } from '../metrics/process-metrics.js';
import { instanceLogger, silentLogger, type Logger } from '../log.js';
import { startWorker, type Worker, type WorkerOptions } from './worker.js';
import { startHealthServer } from './health-server.js';

/**
 * Longest idle sleep of an instance's dispatch loops in a worker of several instances: an instance
 * without traffic costs a claim round a second instead of ten per loop, and a claim wakes its loops.
 * A change is still claimed within this of becoming eligible (after its linger or quiet time).
 */
export const INSTANCES_IDLE_POLL_MS = 1_000;
/** How often each instance is swept for batches of a crashed worker: leases last 90 s or more. */
export const INSTANCES_SWEEP_MS = 5_000;

/** One instance to serve: its name and settings (each with its own prefix, transport, limits). */
export interface ServedInstance {
  name: string;
  settings: WorkerSettings;
}

/** Options of {@link startInstanceWorkers}. */
export interface InstanceWorkersOptions {
  log?: Logger;
  /** One connection shared by every instance (a Cluster client routes each instance to its slot). */
  redis: Redis | Cluster;
  /** Dispatch loops per instance (default: its concurrency limit). */
  loops?: number;
  /** @defaultValue {@link INSTANCES_IDLE_POLL_MS} */
  idlePollMs?: number;
  /** @defaultValue {@link INSTANCES_SWEEP_MS} */
  sweepIntervalMs?: number;
  /** Serve /livez, /readyz and /metrics on the first instance's MKTSYNC_HTTP_PORT (default true). */
  http?: boolean;
  /** Console routes under a prefix (one console showing every instance). */
  routes?: WorkerOptions['routes'];
  events?: WorkerOptions['events'];
}

/** The workers of every served instance in one process, behind one HTTP port. */
export interface InstanceWorkers {
  readonly url: string | undefined;
  readonly workers: ReadonlyMap<string, Worker>;
  /** Why some instance is not ready (naming it), or null when all are. */
  notReadyReason(): Promise<string | null>;
  /** Every instance's metrics, each series with its `marketo_instance` label, and the process's once. */
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts one {@link startWorker} per instance: each has its own buffer (its hash tag), transport,
 * limiter, token, auth pause, quota parking and dispatch loops, so an instance's backlog or fault never
 * holds back another, which waits only for its own limits.
 */
export async function startInstanceWorkers(
  instances: readonly ServedInstance[],
  options: InstanceWorkersOptions,
): Promise<InstanceWorkers> {
  if (instances.length === 0) throw new TypeError('instances: at least one instance to serve');
  const log = options.log ?? silentLogger;
  const workers = new Map<string, Worker>();
  try {
    for (const { name, settings } of instances) {
      const worker = await startWorker(settings, {
        log: instanceLogger(log, name),
        redis: options.redis,
        http: false,
        instance: name,
        processMetrics: false,
        idlePollMs: options.idlePollMs ?? INSTANCES_IDLE_POLL_MS,
        sweepIntervalMs: options.sweepIntervalMs ?? INSTANCES_SWEEP_MS,
        ...(options.loops !== undefined ? { loops: options.loops } : {}),
        ...(options.events ? { events: options.events } : {}),
      });
      workers.set(name, worker);
    }
  } catch (error) {
    await Promise.all([...workers.values()].map((w) => w.stop()));
    throw error;
  }
  const processRegistry = new Registry();
  registerProcessMetrics(processRegistry);

  const notReadyReason = async (): Promise<string | null> => {
    const reasons = await Promise.all(
      [...workers].map(async ([name, w]) => {
        const reason = await w.notReadyReason();
        return reason === null ? null : `instance ${name}: ${reason}`;
      }),
    );
    const found = reasons.filter((r): r is string => r !== null);
    return found.length === 0 ? null : found.join('; ');
  };
  const metricsText = async (): Promise<string> => {
    const all = await Promise.all(
      [processRegistry, ...[...workers.values()].map((w) => w.metrics)].map((r) => r.getMetricsAsJSON()),
    );
    // Series of different instances differ by their label, so nothing is summed across instances.
    return AggregatorRegistry.aggregate(all).metrics();
  };

  let server: http.Server | undefined;
  let url: string | undefined;
  const first = instances[0]!.settings;
  if (options.http !== false) {
    ({ server, url } = await startHealthServer({
      host: first.httpHost,
      port: first.httpPort,
      metrics: async () => ({ contentType: processRegistry.contentType, text: await metricsText() }),
      notReadyReason,
      ...(options.routes ? { routes: [options.routes] } : {}),
    }));
  }
  log.info('serving instances', { instances: [...workers.keys()], http: url });
  return {
    url,
    workers,
    notReadyReason,
    metricsText,
    async stop() {
      await Promise.all([...workers.values()].map((w) => w.stop()));
      if (server) {
        server.close();
        server.closeAllConnections();
      }
    },
  };
}
