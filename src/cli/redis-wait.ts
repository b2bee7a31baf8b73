import http from 'node:http';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { redisProblem, waitReady } from '../redis.js';

/**
 * How a long-running command (worker, ingest) starts while Redis is not there yet: it keeps retrying
 * instead of exiting, its connection logs why (rate-limited), and its health port already answers,
 * `/livez` 200 and `/readyz` 503 with the reason, so that an orchestrator sees a live, unready process.
 */
export async function waitForRedis(
  redis: Redis | Cluster,
  log: Logger,
  health: { port: number; host: string } | undefined,
  stopping: Promise<unknown>,
): Promise<'ready' | 'stopped'> {
  if (redis.status === 'ready') return 'ready';
  log.info('waiting for Redis', { reason: redisProblem(redis) });
  let server: http.Server | undefined;
  if (health) {
    server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end(JSON.stringify(body));
      };
      if (path === '/livez') return reply(200, { ok: true });
      if (path === '/readyz') return reply(503, { ready: false, reason: redisProblem(redis) ?? 'starting' });
      reply(503, { error: `not serving until Redis is reachable: ${redisProblem(redis) ?? 'starting'}` });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(health.port, health.host, resolve);
    });
  }
  try {
    return await Promise.race([
      waitReady(redis, Infinity, { attempts: Infinity, failOnAuth: false }).then(() => 'ready' as const),
      stopping.then(() => 'stopped' as const),
    ]);
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
    }
  }
}
