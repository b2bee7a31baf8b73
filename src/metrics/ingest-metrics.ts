import { Counter, Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';

/**
 * The ingest server's Prometheus metrics, on a registry of its own. `instance`, when given, is the
 * `marketo_instance` label: one of the deployment's configured instances (a bounded set), never a
 * name taken from a request that named no known instance.
 */
export interface IngestMetrics {
  readonly registry: Registry;
  /** `n` changes written, `merged` of them coalesced; `replayed` answered from their idempotency key. */
  accepted(kind: string, n: number, merged: number, replayed?: number, instance?: string): void;
  rejected(kind: string, n: number, instance?: string): void;
  /** A body turned away because too many bytes of bodies were in progress. */
  busy(): void;
  request(path: string, status: number, instance?: string): void;
}

/** The `marketo_instance` label, when there is one. */
const labelled = (instance: string | undefined): { marketo_instance?: string } =>
  instance === undefined ? {} : { marketo_instance: instance };

/**
 * `bytesInProgress` reads the bytes of bodies being taken in, for a gauge; `instances` are the
 * configured instances, whose series start at 0.
 */
export function createIngestMetrics(
  bytesInProgress: () => number = () => 0,
  instances: readonly string[] = [],
): IngestMetrics {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const accepted = new Counter({
    name: 'mktsync_changes_accepted_total',
    help: 'Changes accepted into the buffer, by kind.',
    labelNames: ['kind', 'marketo_instance'] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'mktsync_changes_rejected_total',
    help: 'Changes refused (invalid, or in a refused body), by kind.',
    labelNames: ['kind', 'marketo_instance'] as const,
    registers: [registry],
  });
  const coalesced = new Counter({
    name: 'mktsync_changes_coalesced_total',
    help: 'Accepted changes that merged into a record already waiting, by kind.',
    labelNames: ['kind', 'marketo_instance'] as const,
    registers: [registry],
  });
  const replayed = new Counter({
    name: 'mktsync_changes_replayed_total',
    help: 'Changes resent with an idempotency key already written: answered with the first reference, not written.',
    labelNames: ['kind', 'marketo_instance'] as const,
    registers: [registry],
  });
  const busy = new Counter({
    name: 'mktsync_ingest_busy_total',
    help: 'Bodies answered 503 (Retry-After) because the bytes of bodies in progress were at their limit.',
    registers: [registry],
  });
  new Gauge({
    name: 'mktsync_ingest_body_bytes_in_progress',
    help: 'Bytes of request bodies being read, parsed and written.',
    registers: [registry],
    collect() {
      this.set(bytesInProgress());
    },
  });
  const requests = new Counter({
    name: 'mktsync_ingest_requests_total',
    help: 'Ingest HTTP requests by path and status code.',
    labelNames: ['path', 'status', 'marketo_instance'] as const,
    registers: [registry],
  });
  for (const instance of instances.length > 0 ? instances : [undefined])
    for (const kind of ['leads', 'mobjects'] as const) {
      const labels = { kind, ...labelled(instance) };
      accepted.inc(labels, 0);
      rejected.inc(labels, 0);
      coalesced.inc(labels, 0);
      replayed.inc(labels, 0);
    }
  return {
    registry,
    accepted: (kind, n, merged, replays = 0, instance) => {
      const labels = { kind, ...labelled(instance) };
      accepted.inc(labels, n);
      coalesced.inc(labels, merged);
      replayed.inc(labels, replays);
    },
    rejected: (kind, n, instance) => rejected.inc({ kind, ...labelled(instance) }, n),
    busy: () => busy.inc(),
    request: (path, status, instance) =>
      requests.inc({ path, status: String(status), ...labelled(instance) }),
  };
}
