import { Counter, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';

/** The ingest server's Prometheus metrics, on a registry of its own. */
export interface IngestMetrics {
  readonly registry: Registry;
  accepted(kind: 'leads' | 'mobjects', n: number, merged: number): void;
  rejected(kind: 'leads' | 'mobjects', n: number): void;
  request(path: string, status: number): void;
}

export function createIngestMetrics(): IngestMetrics {
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
  }
  return {
    registry,
    accepted: (kind, n, merged) => {
      accepted.inc({ kind }, n);
      coalesced.inc({ kind }, merged);
    },
    rejected: (kind, n) => rejected.inc({ kind }, n),
    request: (path, status) => requests.inc({ path, status: String(status) }),
  };
}
