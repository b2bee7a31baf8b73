import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { readWorkerSettings, type WorkerSettings } from '../../src/config.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { startWorker, type Worker, type WorkerOptions } from '../../src/worker/worker.js';
import { startFixture, type EmulatorFixture } from './emulator.js';
import type { EmulatorOptions } from '../../src/emulator/server.js';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import { TRANSPORT_KINDS, type TransportKind } from '../../src/vocabulary/transport-kinds.js';

/** A fresh key prefix per test, so tests share one Redis without seeing each other. */
export function freshPrefix(): string {
  return `t-${randomBytes(6).toString('hex')}`;
}

/** The transports a pipeline test can run over: every one the vocabulary lists. */
export const TRANSPORTS = TRANSPORT_KINDS;
export type { TransportKind };

/** The REST client credentials every pipeline emulator accepts (a test emulator's, never a secret). */
export const TEST_REST_CLIENT = { clientId: 'pipeline-client', clientSecret: 'pipeline-secret-0123456789' };

/** The environment that points a worker at the emulator over `transport`. */
export function transportEnv(f: EmulatorFixture, transport: TransportKind): Record<string, string> {
  const soap = {
    MARKETO_SOAP_ENDPOINT: f.emulator.endpoint,
    MARKETO_USER_ID: f.credentials.userId,
    MARKETO_ENCRYPTION_KEY: f.credentials.encryptionKey,
  };
  if (transport === 'soap') return soap;
  return {
    MARKETO_TRANSPORT: 'rest',
    MARKETO_REST_ENDPOINT: f.emulator.restEndpoint,
    MARKETO_CLIENT_ID: TEST_REST_CLIENT.clientId,
    MARKETO_CLIENT_SECRET: TEST_REST_CLIENT.clientSecret,
  };
}

/** Worker settings for tests: the emulator, a fresh prefix, short linger and backoff. */
export function testSettings(
  f: EmulatorFixture,
  prefix: string,
  env: Record<string, string> = {},
  transport: TransportKind = 'soap',
): WorkerSettings {
  return readWorkerSettings({
    REDIS_URL: inject('redisUrl'),
    MKTSYNC_PREFIX: prefix,
    ...transportEnv(f, transport),
    MKTSYNC_LINGER_MS: '100',
    MKTSYNC_BACKOFF_BASE_MS: '20',
    MKTSYNC_BACKOFF_MAX_MS: '200',
    // Abandoned requests may go again at once: the bound is tested where it is the subject
    // (abandoned-request.test.ts), and 120 s per lost answer would make other tests wait for nothing.
    MKTSYNC_ABANDONED_APPLY_MS: '0',
    MKTSYNC_RATE_LIMIT: '0',
    MKTSYNC_MAX_CONCURRENT: '8',
    MKTSYNC_HTTP_PORT: '0',
    MKTSYNC_HTTP_HOST: '127.0.0.1',
    MKTSYNC_RESPONSE_TIMEOUT_MS: '5000',
    MKTSYNC_LEASE_MS: '10000',
    MKTSYNC_SHUTDOWN_TIMEOUT_MS: '5000',
    ...env,
  });
}

/** An emulator, a producer and a way to start workers, all on one fresh prefix. */
export interface PipelineFixture {
  f: EmulatorFixture;
  /** The transport the workers use. */
  transport: TransportKind;
  prefix: string;
  redis: Redis;
  producer: Producer;
  settings: WorkerSettings;
  startWorker(options?: WorkerOptions, env?: Record<string, string>): Promise<Worker>;
  /** Resolves when nothing waits and nothing is in flight. */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPipeline(
  emulator: Partial<EmulatorOptions> = {},
  env: Record<string, string> = {},
  transport: TransportKind = 'soap',
): Promise<PipelineFixture> {
  const f = await startFixture({
    limits: { rateCalls: null, concurrency: null, dailyQuota: null },
    ...emulator,
    rest: { ...TEST_REST_CLIENT, ...(emulator.rest ?? {}) },
  });
  const prefix = freshPrefix();
  const redis = new Redis(inject('redisUrl'));
  const producer = await createProducer({
    url: inject('redisUrl'),
    prefix,
    ...(transport === 'rest' ? { transport } : {}),
  });
  const settings = testSettings(f, prefix, env, transport);
  const workers: Worker[] = [];
  return {
    f,
    transport,
    prefix,
    redis,
    producer,
    settings,
    async startWorker(options = {}, extraEnv = {}) {
      const worker = await startWorker(
        Object.keys(extraEnv).length ? testSettings(f, prefix, { ...env, ...extraEnv }, transport) : settings,
        options,
      );
      workers.push(worker);
      return worker;
    },
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stats = await producer.buffer.stats();
        if (stats.waitingTotal === 0 && stats.inFlight === 0) return;
        if (Date.now() > deadline)
          throw new Error(`not drained within ${timeoutMs} ms: ${JSON.stringify(stats)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await producer.close();
      redis.disconnect();
      await f.close();
    },
  };
}

/**
 * The fewest calls that can carry the records waiting per group: each group's count over the largest
 * call of the transport (SOAP: 300 leads, 100 objects; REST: 300 leads, opportunities or roles, one
 * program per call).
 */
export function minimumCalls(waiting: Record<string, number>, transport: TransportKind): number {
  let calls = 0;
  for (const [group, count] of Object.entries(waiting)) {
    const max = group.startsWith('L')
      ? 300
      : transport === 'rest'
        ? group.startsWith('O:Program:')
          ? 1
          : 300
        : 100;
    calls += Math.ceil(count / max);
  }
  return calls;
}

/** REST requests that are not sync calls: tokens, Describes, program reads. */
const NOT_SYNC = new Set([
  'identity',
  'describeLeads',
  'describeLeads2',
  'describeOpportunities',
  'describeOpportunityRoles',
  'queryOpportunities',
  'queryOpportunityRoles',
  'getProgram',
  'getChannels',
  'queryListLeads',
  'queryLeads',
  'getActivityTypes',
  'getPagingToken',
  'queryActivities',
]);

/** The emulator's log of sync calls (leads, objects, programs) of either transport. */
export function syncCalls(p: PipelineFixture, since = 0): CallLogEntry[] {
  return p.f.emulator.calls.since(since).filter((c) => !NOT_SYNC.has(c.operation));
}

/** The object operation of a sync call, in SOAP's words (REST: from its action; a program update is UPDATE). */
export function objectOperation(call: CallLogEntry): string | undefined {
  if (call.transport === 'soap') return call.mobjectOperation;
  if (call.operation === 'updateProgram') return 'UPDATE';
  return { createOnly: 'INSERT', updateOnly: 'UPDATE', createOrUpdate: 'UPSERT' }[call.action ?? ''];
}
