import { parseArgs } from 'node:util';
import { readIngestSettings, readInstances, redisTarget } from '../config.js';
import { createLogger } from '../log.js';
import { startIngestServer } from '../producer/ingest-server.js';
import { createProducer, type Producer } from '../producer/producer.js';
import { connectRedis } from '../redis.js';
import { waitForRedis } from './redis-wait.js';
import { waitForShutdown } from './signals.js';

export const INGEST_HELP = `mktsync ingest: accept changes over HTTP into the buffer

  POST /v1/leads      JSON array, one JSON object, or NDJSON of lead changes
  POST /v1/mobjects   the same for object changes
  GET  /livez, /readyz

A body is accepted whole (202, with a reference per change) or refused whole (400 listing every
problem). 401 without the bearer token, 413 over the size limit, 415 under a Content-Type that is not
JSON or NDJSON, 503 with Retry-After when busy or when Redis cannot take the write ("state" says
whether nothing was written or the write is unknown). An Idempotency-Key header makes a resend of the
same body write nothing twice.
While Redis is unreachable the server keeps retrying, logs why, and answers /readyz with 503 and the reason.

Environment: REDIS_URL, MKTSYNC_PREFIX, MKTSYNC_INGEST_TOKEN (required unless MKTSYNC_INGEST_AUTH=off),
MKTSYNC_INGEST_PORT (8080), MKTSYNC_INGEST_HOST (0.0.0.0), MKTSYNC_INGEST_MAX_BODY_BYTES (5 MiB),
MKTSYNC_INGEST_MAX_BYTES_IN_PROGRESS (3 × the body limit), MKTSYNC_IDEMPOTENCY_WINDOW_S (86400).

Options:
  --port P   overrides MKTSYNC_INGEST_PORT

Marketo instances: MKTSYNC_INSTANCES_FILE names several (README, "Several Marketo instances");
POST /v1/instances/{name}/leads and /mobjects write to one; /v1/leads and /v1/mobjects to the default.
`;

export async function ingestCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(INGEST_HELP);
    return 0;
  }
  const settings = readIngestSettings(
    values.port !== undefined ? { ...env, MKTSYNC_INGEST_PORT: values.port } : env,
  );
  const log = createLogger('ingest', settings.logLevel);
  const shutdown = waitForShutdown(log);
  const redis = connectRedis(redisTarget(settings), 'producer', { log });
  try {
    const health = { port: settings.port, host: settings.host };
    if ((await waitForRedis(redis, log, health, shutdown)) === 'stopped') return 0;
    // instances: a producer per configured instance on the one connection; old paths to the default
    const catalog = readInstances(env);
    const producers = new Map<string, Producer>();
    for (const name of catalog.names)
      producers.set(
        name,
        await createProducer({
          redis,
          instances: catalog,
          instance: name,
          idempotencyWindowSec: settings.idempotencyWindowSec,
        }),
      );
    const producer = producers.get(catalog.defaultName ?? catalog.names[0]!)!;
    const server = await startIngestServer({
      producer,
      ...(catalog.fromFile ? { instances: producers } : {}),
      ...(catalog.defaultName !== undefined
        ? { defaultInstance: catalog.defaultName }
        : { instancePathsOnly: true }),
      authDisabled: settings.authDisabled,
      maxBodyBytes: settings.maxBodyBytes,
      maxBytesInProgress: settings.maxBytesInProgress,
      port: settings.port,
      host: settings.host,
      log,
      ...(settings.token ? { token: settings.token } : {}),
    });
    log.info('ingest server listening', { url: server.url, auth: settings.authDisabled ? 'off' : 'bearer' });
    await shutdown;
    await server.close();
    for (const p of producers.values()) await p.close();
    return 0;
  } finally {
    redis.disconnect();
  }
}
