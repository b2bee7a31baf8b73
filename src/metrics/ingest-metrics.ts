import { Counter, Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';

/** The ingest server's Prometheus metrics, on a registry of its own. */
export interface IngestMetrics {
  readonly registry: Registry;
  /** `n` changes written, `merged` of them coalesced; `replayed` answered from their idempotency key. */
  accepted(kind: string, n: number, merged: number, replayed?: number): void;
  rejected(kind: string, n: number): void;
  /** A body turned away because too many bytes of bodies were in progress. */
  busy(): void;
  request(path: string, status: number): void;
}

/** `bytesInProgress` reads the bytes of bodies being taken in, for a gauge. */
export function createIngestMetrics(bytesInProgress: () => number = () => 0): IngestMetrics {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const accepted = new Counter({
    name: 'mktsync_changes_accepted_total',
    help: 'Changes accepted into the buffer, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'mktsync_changes_rejected_total',
    help: 'Changes refused (invalid, or in a refused body), by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const coalesced = new Counter({
    name: 'mktsync_changes_coalesced_total',
    help: 'Accepted changes that merged into a record already waiting, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const replayed = new Counter({
    name: 'mktsync_changes_replayed_total',
    help: 'Changes resent with an idempotency key already written: answered with the first reference, not written.',
    labelNames: ['kind'] as const,
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
    labelNames: ['path', 'status'] as const,
    registers: [registry],
  });
  for (const kind of ['leads', 'mobjects'] as const) {
    accepted.inc({ kind }, 0);
    rejected.inc({ kind }, 0);
    coalesced.inc({ kind }, 0);
    replayed.inc({ kind }, 0);
  }
  return {
    registry,
    accepted: (kind, n, merged, replays = 0) => {
      accepted.inc({ kind }, n);
      coalesced.inc({ kind }, merged);
      replayed.inc({ kind }, replays);
    },
    rejected: (kind, n) => rejected.inc({ kind }, n),
    busy: () => busy.inc(),
    request: (path, status) => requests.inc({ path, status: String(status) }),
  };
}
