import http from 'node:http';
import type { Cluster, Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { RedisBuffer } from '../buffer/buffer.js';
import type { WorkerSettings } from '../config.js';
import { silentLogger, type Logger } from '../log.js';
import { connectRedis, redisProblem, waitReady } from '../redis.js';
import { safeUrl } from '../safe-url.js';
import { createWorkerMetrics, type TokenCounts } from '../metrics/worker-metrics.js';
import { GroupPreparation } from './group-preparation.js';
import { Dispatcher, type DispatcherEvents } from './dispatcher.js';
import { serveQueueView } from './queue-view.js';
import { startHealthServer, type PrefixRoute } from './health-server.js';
import { Reachability } from './reachability.js';
import { BatchSender } from './sender.js';
import { buildTransport } from './transport-factory.js';
import { readReconcileStatus } from '../reconcile/reconcile-status.js';
import { wireOf } from '../wire/registry.js';

/** How long abandoned batches get to settle after the shutdown deadline (Redis round trips only). */
const SETTLE_GRACE_MS = 5_000;

/** Options of {@link startWorker} besides the settings. */
export interface WorkerOptions {
  log?: Logger;
  /** An existing Redis connection (not closed by `stop()`). */
  redis?: Redis | Cluster;
  /** Dispatch loops in this process (default: the shared concurrency limit). */
  loops?: number;
  /** How often crashed batches are looked for, ms (default 1000). */
  sweepIntervalMs?: number;
  /** Serve /livez, /readyz and /metrics (default true). */
  http?: boolean;
  events?: DispatcherEvents;
  /**
   * More routes on this HTTP port, under a path prefix (the operator console under `/console`, given by
   * `mktsync worker`; the worker itself does not know the console).
   */
  routes?: { prefix: string; handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> };
  /** The Marketo instance served: the `marketo_instance` label of the metrics (instances-worker.ts). */
  instance?: string;
  /** Register the process metrics on this worker's registry (default true). */
  processMetrics?: boolean;
  /** See {@link DispatcherOptions.idlePollMs}. */
  idlePollMs?: number;
}

/** A running worker. */
export interface Worker {
  /** `http://host:port` of /livez, /readyz and /metrics, when served. */
  readonly url: string | undefined;
  readonly buffer: RedisBuffer;
  /** The worker's metrics (served at /metrics; a process of many instances serves them together). */
  readonly metrics: Registry;
  /** Why the worker is not ready, or null when it is. */
  notReadyReason(): Promise<string | null>;
  /** REST: token requests made to Marketo's Identity service so far; undefined over SOAP. */
  tokenStats(): Readonly<TokenCounts> | undefined;
  /**
   * Stops claiming and starting calls, waits for calls in flight up to the shutdown timeout, abandons
   * those still running (settled under the delivery policy), then closes.
   */
  stop(): Promise<void>;
}

/** Starts batching and dispatch against Redis and Marketo with `settings`. */
export async function startWorker(settings: WorkerSettings, options: WorkerOptions = {}): Promise<Worker> {
  const log = options.log ?? silentLogger;
  const ownedRedis = options.redis === undefined;
  const redis =
    options.redis ??
    connectRedis(
      {
        ...(settings.redisUrl ? { url: settings.redisUrl } : {}),
        ...(settings.redisClusterNodes ? { clusterNodes: settings.redisClusterNodes } : {}),
      },
      'worker',
    );
  await waitReady(redis);
  const buffer = new RedisBuffer(redis, settings.prefix);
  // Before any claim: producers may now leave a lead's merging changes for this worker to merge.
  await buffer.allowMergeWait();
  const metrics = createWorkerMetrics(buffer, settings.dailyQuota, {
    transport: settings.transport,
    reconcileStatus: () => readReconcileStatus(redis, settings.prefix),
    ...(options.instance !== undefined ? { instance: options.instance } : {}),
    ...(options.processMetrics !== undefined ? { processMetrics: options.processMetrics } : {}),
  });
  // Aborted when the worker stops: a Describe request waiting for a rate token gives up.
  const stopping = new AbortController();
  const { transport, endpoint, tokens } = buildTransport(settings, buffer, metrics, log, stopping.signal);
  /** What the startup log line shows of the way to Marketo. */
  const marketo = { endpoint };
  // What this worker's own calls say of the way to Marketo, for readiness.
  // Beyond the longest backoff a refused connection is old news: a call would have been made since.
  const reach = new Reachability(Math.max(60_000, 2 * settings.backoffMaxMs));
  const { endpointSetting } = wireOf(settings.transport);
  const sender = new BatchSender(reach.watch(transport), buffer, settings, log);
  const preparation = new GroupPreparation(transport, log);
  const dispatcher = new Dispatcher(
    buffer,
    sender,
    {
      ...settings,
      ...(options.loops !== undefined ? { loops: options.loops } : {}),
      ...(options.idlePollMs !== undefined ? { idlePollMs: options.idlePollMs } : {}),
    },
    log,
    {
      onGroups: (groups) => preparation.note(groups),
      onBatch(batch, report, actions, durationMs, lost) {
        // A lost batch's records were put back and will be settled again: counting them now would
        // count them twice.
        if (!lost) metrics.onBatch(batch, report, actions);
        options.events?.onBatch?.(batch, report, actions, durationMs, lost);
      },
    },
  );

  const sweep = async (): Promise<void> => {
    try {
      const recovered = await buffer.sweep();
      if (recovered > 0) log.warn('recovered batches of a crashed or stalled worker', { batches: recovered });
    } catch (error) {
      log.error('sweep failed', { error: (error as Error).message });
    }
  };
  await sweep();
  const sweeper = setInterval(() => void sweep(), options.sweepIntervalMs ?? 1_000);
  dispatcher.start();

  const notReadyReason = async (): Promise<string | null> => {
    const problem = redisProblem(redis);
    if (problem !== null) return problem;
    const stopped = await buffer.view.stopReason();
    if (stopped !== null) return `sending stopped: ${stopped}`;
    return reach.problem(endpointSetting);
  };

  let server: http.Server | undefined;
  let url: string | undefined;
  if (options.http !== false) {
    const queueView: PrefixRoute = {
      prefix: '/queue',
      // `/queue`, `/queue.json` and what is under them.
      matches: (path) => path.startsWith('/queue'),
      handle: (req, res, path) =>
        serveQueueView(req, res, path, buffer, {
          allowRedrive: settings.queueViewWrite,
          ...(settings.queueViewToken ? { token: settings.queueViewToken } : {}),
        }),
    };
    ({ server, url } = await startHealthServer({
      host: settings.httpHost,
      port: settings.httpPort,
      metrics: async () => ({
        contentType: metrics.registry.contentType,
        text: await metrics.registry.metrics(),
      }),
      notReadyReason,
      routes: [...(options.routes ? [options.routes] : []), queueView],
    }));
  }
  log.info('worker started', { endpoint: safeUrl(marketo.endpoint), prefix: settings.prefix, http: url });

  return {
    url,
    buffer,
    metrics: metrics.registry,
    notReadyReason,
    tokenStats: () => tokens?.(),
    async stop() {
      clearInterval(sweeper);
      stopping.abort();
      const inFlight = dispatcher.inFlight;
      let timer: NodeJS.Timeout | undefined;
      const stopped = dispatcher.stop();
      const drained = await Promise.race([
        stopped.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), settings.shutdownTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (!drained) {
        // The deadline is a hard line: calls still running are abandoned and their batches settled
        // now under the delivery policy, which hands their leases back.
        log.warn('shutdown timeout: abandoning calls in flight', { inFlight: dispatcher.inFlight });
        dispatcher.abandonInFlight();
        const settled = await Promise.race([
          stopped.then(() => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), SETTLE_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (!settled)
          log.error(
            'abandoned calls could not be settled; their leases expire and another worker recovers them',
            {
              inFlight: dispatcher.inFlight,
            },
          );
      } else log.info('worker stopped', { finishedInFlight: inFlight });
      transport.close();
      if (server) {
        server.close();
        server.closeAllConnections();
      }
      if (ownedRedis) redis.disconnect();
    },
  };
}
