import { collectDefaultMetrics, type Registry } from 'prom-client';

// prom-client names these gauges with a `_total` suffix that Prometheus reserves for counters
// (promtool check metrics rejects them); the same facts stay available as *_active_* without them.
const MISNAMED = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Registers Node.js and process metrics (CPU, memory, event loop lag, GC, handles) under `mktsync_`. */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'mktsync_' });
  for (const name of MISNAMED) registry.removeSingleMetric(`mktsync_${name}`);
}
