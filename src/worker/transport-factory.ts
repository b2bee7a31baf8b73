import type { RedisBuffer } from '../buffer/buffer.js';
import type { WorkerSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { wireOf, type BuiltTransport } from '../wire/registry.js';
import { quotaDay } from './backoff.js';
import { BufferLeadLedger } from './lead-ledger.js';
import { takeRateToken } from './sender.js';

/** A worker's way to Marketo, and the endpoint its logs may show (it holds no secret). */
export type WorkerTransport = BuiltTransport;

/**
 * Builds the transport `settings.transport` names, from the registry of wires. Every attempt it
 * reports is counted by the metrics and against the daily quota; a request the transport makes on its
 * own (a REST Describe, a further body of a call) first takes a token of the shared rate limiter.
 */
export function buildTransport(
  settings: WorkerSettings,
  buffer: RedisBuffer,
  metrics: WorkerMetrics,
  log: Logger,
  stopping: AbortSignal,
): WorkerTransport {
  const built = wireOf(settings.transport).forWorker(settings, {
    admit: (member) => takeRateToken(buffer, settings, member, stopping),
    programSteps: (programId, steps) => buffer.setProgramSteps(programId, steps),
    leads: new BufferLeadLedger(buffer),
  });
  built.transport.reportAttempts((attempt) => {
    metrics.onCall(attempt);
    buffer.recordCall(quotaDay(Date.now()), attempt.error === undefined).catch((error: unknown) => {
      log.warn('could not count a call against the quota', { error: (error as Error).message });
    });
  });
  if (built.tokens) metrics.trackTokens(built.tokens);
  return built;
}
