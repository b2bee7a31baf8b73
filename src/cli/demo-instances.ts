import { randomBytes } from 'node:crypto';
import { readWorkerSettings } from '../config.js';
import { startMultiEmulator } from '../emulator/index.js';
import { silentLogger } from '../log.js';
import { connectRedis, waitReady } from '../redis.js';
import { createProducer, type Producer } from '../producer/producer.js';
import { startInstanceWorkers } from '../worker/instances-worker.js';
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_ENCRYPTION_KEY,
  DEMO_USER_ID,
  emulatedInstanceNames,
} from './emulator-command.js';

/** What one emulated instance of `mktsync demo --instances N` ended with. */
export interface InstanceDemoLine {
  instance: string;
  changes: number;
  leadsInMarketo: number;
  calls: number;
  outcomes: Record<string, number>;
}

/**
 * `mktsync demo --instances N`: N emulated Marketo instances on one port (each with Marketo's limits
 * and its own credentials' state), one worker process serving all of them, and a stream of lead changes
 * spread over them; resolves with each instance's summary once every instance is drained.
 */
export async function runInstancesDemo(options: {
  redisUrl: string;
  instances: number;
  changes: number;
  leads: number;
  lingerMs: string;
  latency: { medianMs: number; p99Ms: number } | undefined;
  say(line: string): void;
}): Promise<InstanceDemoLine[]> {
  const names = emulatedInstanceNames(options.instances);
  const emulator = await startMultiEmulator({
    instances: Object.fromEntries(
      names.map((name) => [
        name,
        {
          userId: DEMO_USER_ID,
          encryptionKey: DEMO_ENCRYPTION_KEY,
          rest: { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET },
          ...(options.latency ? { faults: { latency: options.latency } } : {}),
        },
      ]),
    ),
  });
  const prefix = `demo-${randomBytes(4).toString('hex')}`;
  const producers: Producer[] = [];
  let workers: Awaited<ReturnType<typeof startInstanceWorkers>> | undefined;
  const redis = connectRedis({ url: options.redisUrl }, 'worker');
  try {
    options.say(
      `• emulating ${names.length} Marketo instances at ${emulator.url}/i/<name> (REST, Marketo's limits each)`,
    );
    const served = names.map((name) => ({
      name,
      settings: readWorkerSettings({
        REDIS_URL: options.redisUrl,
        MKTSYNC_PREFIX: `${prefix}:${name}`,
        MARKETO_TRANSPORT: 'rest',
        MARKETO_REST_ENDPOINT: emulator.instance(name).restEndpoint,
        MARKETO_CLIENT_ID: DEMO_CLIENT_ID,
        MARKETO_CLIENT_SECRET: DEMO_CLIENT_SECRET,
        MKTSYNC_LINGER_MS: options.lingerMs,
        MKTSYNC_HTTP_PORT: '0',
        MKTSYNC_HTTP_HOST: '127.0.0.1',
      }),
    }));
    await waitReady(redis);
    workers = await startInstanceWorkers(served, { redis, http: false, log: silentLogger });
    options.say(
      `• one worker serves all ${names.length}, each instance under its own limits and hash tag {${prefix}:<name>}`,
    );
    for (const name of names)
      producers.push(
        await createProducer({ url: options.redisUrl, prefix, instance: name, transport: 'rest' }),
      );
    // Uneven traffic: instance i gets a share proportional to i, so one instance is much busier.
    const weights = names.map((_, i) => i + 1);
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = weights.map((w) => Math.max(1, Math.round((options.changes * w) / total)));
    await Promise.all(
      producers.map(async (producer, p) => {
        const leads = Math.max(1, Math.round((options.leads * weights[p]!) / total));
        for (let i = 0; i < counts[p]!; i += 500)
          await producer.enqueueLeads(
            Array.from({ length: Math.min(500, counts[p]! - i) }, (_, j) => ({
              Email: `lead${(i + j) % leads}@${names[p]}.example.com`,
              attributes: { City: `city-${i + j}` },
            })),
          );
      }),
    );
    options.say(
      `• fed ${counts.reduce((a, b) => a + b, 0).toLocaleString()} changes: ${names.map((n, i) => `${n} ${counts[i]}`).join(', ')}`,
    );
    for (;;) {
      const stats = await Promise.all(producers.map((p) => p.buffer.stats()));
      if (stats.every((s) => s.waitingTotal === 0 && s.inFlight === 0)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const lines: InstanceDemoLine[] = [];
    for (const [p, name] of names.entries()) {
      const s = await producers[p]!.buffer.stats();
      const at = emulator.instance(name);
      lines.push({
        instance: name,
        changes: counts[p]!,
        leadsInMarketo: at.leads.size,
        calls: at.calls.since().filter((c) => c.operation === 'syncLeads').length,
        outcomes: Object.fromEntries(
          Object.entries(s.counters)
            .filter(([k]) => k.startsWith('outcome:'))
            .map(([k, v]) => [k.slice('outcome:'.length), v]),
        ),
      });
    }
    return lines;
  } finally {
    await workers?.stop();
    redis.disconnect();
    for (const p of producers) await p.close();
    await emulator.close();
  }
}
