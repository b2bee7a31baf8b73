import { redisTarget, type ReconcileSettings, type WorkerSettings } from '../config.js';
import type { Logger } from '../log.js';
import { createProducer } from '../producer/producer.js';
import { connectRedis, waitReady } from '../redis.js';
import { startReconcileWorker } from './reconcile-worker.js';

/**
 * Starts the reconcile processor of `mktsync worker` on connections of its own (BullMQ blocks one of
 * them), or nothing when `MKTSYNC_RECONCILE=off`. Returns how to stop it.
 */
export async function startWorkerReconcile(
  settings: WorkerSettings,
  reconcile: ReconcileSettings,
  log: Logger,
): Promise<{ close(): Promise<void> }> {
  if (!reconcile.enabled) {
    log.info('reconcile runs are off in this worker (MKTSYNC_RECONCILE=off)');
    return { close: async () => {} };
  }
  const redis = connectRedis(redisTarget(settings), 'worker');
  await waitReady(redis);
  const producer = await createProducer({ redis, prefix: settings.prefix });
  const processor = await startReconcileWorker({
    redis,
    connection: redis,
    producer,
    prefix: settings.prefix,
    log,
    concurrency: reconcile.concurrency,
    jobLockMs: reconcile.lockMs,
    confirmTimeoutMs: reconcile.confirmTimeoutMs,
    memoryLimitBytes: reconcile.memoryLimitBytes,
    limits: { maxBytes: reconcile.maxBytes, maxLineBytes: reconcile.maxLineBytes, connectTimeoutMs: 30_000 },
  });
  return {
    async close() {
      await processor.close();
      await producer.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
