import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { readInstances } from '../../src/config.js';
import { createProducer, type ChangeReference, type Producer } from '../../src/producer/producer.js';
import { startCli } from '../helpers/cli.js';
import { INSTANCE_WORKER_ENV, startInstances, type InstancesFixture } from '../helpers/instances.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { until } from '../helpers/until.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
});
afterAll(async () => {
  await cluster?.stop();
});

/** The masters of the cluster and their slot ranges, from CLUSTER NODES. */
async function masters(node: Redis): Promise<{ id: string; address: string; ranges: [number, number][] }[]> {
  const text = (await node.call('CLUSTER', 'NODES')) as string;
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[2]!.includes('master') && f.length > 8)
    .map((f) => ({
      id: f[0]!,
      address: f[1]!.split('@')[0]!,
      ranges: f.slice(8).map((r) => {
        const [a, b] = r.split('-').map(Number);
        return [a!, b ?? a!] as [number, number];
      }),
    }));
}

describe('many instances over a Redis Cluster of three masters with a replica each', () => {
  it('six instances on slots of all three masters; two workers drain them through a kill -9: nothing lost, nothing sent twice that was not in flight, every record with its outcome', async () => {
    const prefix = freshPrefix();
    const seed = new Redis(Number(cluster.nodes[0]!.split(':')[1]), '127.0.0.1');
    const byMaster = new Map<string, string[]>();
    let fixture: InstancesFixture | undefined;
    const producers: Producer[] = [];
    const workers: Awaited<ReturnType<typeof startCli>>[] = [];
    try {
      // Pick instance names two per master: the slot of each instance's hash tag, by CLUSTER KEYSLOT.
      const ms = await masters(seed);
      expect(ms).toHaveLength(3);
      for (let i = 0; [...byMaster.values()].flat().length < 6 && i < 1000; i++) {
        const name = `mkt-${i}`;
        const slot = Number(await seed.call('CLUSTER', 'KEYSLOT', `{${prefix}:${name}}:seq`));
        const owner = ms.find((m) => m.ranges.some(([a, b]) => slot >= a && slot <= b))!;
        const list = byMaster.get(owner.id) ?? [];
        if (list.length < 2) byMaster.set(owner.id, [...list, name]);
      }
      const names = [...byMaster.values()].flat();
      expect(byMaster.size).toBe(3);
      expect(names).toHaveLength(6);

      fixture = await startInstances(Object.fromEntries(names.map((n) => [n, 'rest' as const])), {
        emulator: {
          faults: { latency: { fixedMs: 150 } },
          limits: { rateCalls: null, concurrency: null, dailyQuota: null },
        },
      });
      const env = {
        REDIS_CLUSTER_NODES: cluster.nodes.join(','),
        MKTSYNC_PREFIX: prefix,
        ...fixture.env,
        ...INSTANCE_WORKER_ENV,
        MKTSYNC_RATE_LIMIT: '0',
        MKTSYNC_MAX_CONCURRENT: '3',
        MKTSYNC_MAX_LEADS_PER_CALL: '50',
        MKTSYNC_RESPONSE_TIMEOUT_MS: '2000',
        MKTSYNC_LEASE_MS: '3000',
      };
      for (let w = 0; w < 2; w++)
        workers.push(await startCli(['worker'], (l) => l.msg === 'worker ready', env));
      const catalog = readInstances(env);
      for (const name of names)
        producers.push(
          await createProducer({ clusterNodes: cluster.nodes, instances: catalog, instance: name }),
        );

      // A stream to all six: 300 leads each, every lead changed twice (the later value must win).
      const accepted: { instance: string; email: string; city: string; ref: ChangeReference }[] = [];
      const enqueue = async (round: number): Promise<void> => {
        for (let chunk = 0; chunk < 3; chunk++)
          await Promise.all(
            producers.map(async (producer, p) => {
              const changes = Array.from({ length: 100 }, (_, i) => ({
                Email: `${names[p]}-${chunk * 100 + i}@example.com`,
                attributes: { City: `r${round}-${chunk * 100 + i}` },
              }));
              const result = await producer.enqueueLeads(changes);
              expect(result.rejected).toEqual([]);
              for (const ref of result.accepted)
                accepted.push({
                  instance: names[p]!,
                  email: changes[ref.index]!.Email,
                  city: changes[ref.index]!.attributes.City,
                  ref,
                });
            }),
          );
      };
      await enqueue(1);
      const calls = () => names.flatMap((n) => fixture!.emulator.instance(n).calls.since());
      // Mid-run: calls made and some in flight; then the first worker dies without warning.
      await until(
        'calls in flight',
        () => calls().some((c) => c.status === 'pending') && calls().length >= 6,
      );
      const sentBeforeKill = new Set(calls().map((c) => c.seq));
      const startedBefore = new Map(
        names.map((n) => [n, fixture!.emulator.instance(n).calls.since().length]),
      );
      workers[0]!.child.kill('SIGKILL');
      await enqueue(2);

      await until('every instance drained', async () => {
        for (const producer of producers) {
          const stats = await producer.buffer.stats();
          if (stats.waitingTotal > 0 || stats.inFlight > 0) return false;
        }
        return true;
      });

      let recovered = 0;
      for (const [p, name] of names.entries()) {
        const emulated = fixture.emulator.instance(name);
        // Nothing lost, nothing in the wrong instance, the later value won.
        const final = new Map<string, string>();
        for (const a of accepted.filter((x) => x.instance === name).sort((x, y) => x.ref.seq - y.ref.seq))
          final.set(a.email, a.city);
        const got = new Map(
          (emulated.leads.all() as EmulatedLead[]).map((l) => [
            (l.Email ?? (l.attributes.Email as string)).toLowerCase(),
            l.attributes.City as string,
          ]),
        );
        expect(got).toEqual(final);
        // Every record with its outcome, covering its last change.
        for (const a of accepted.filter((x) => x.instance === name)) {
          const outcome = await producers[p]!.getOutcome(a.ref.key);
          expect(outcome?.lastSeq, a.ref.key).toBeGreaterThanOrEqual(a.ref.seq);
          expect(['CREATED', 'UPDATED']).toContain(outcome!.status);
        }
        // Nothing sent twice, except what was in a call started before the kill (the dead worker's
        // batches, sent again once their leases expired: updates, which Marketo applies idempotently).
        const log = emulated.calls.since().filter((c) => c.operation === 'syncLeads' && c.status === 'ok');
        const inFlightAtKill = new Set(
          emulated.calls
            .since()
            .slice(0, startedBefore.get(name))
            .flatMap((c) =>
              (c.records ?? []).map((r) => String((r as { email?: string }).email).toLowerCase()),
            ),
        );
        const sends = new Map<string, number>();
        for (const call of log)
          for (const r of call.records ?? []) {
            const email = String((r as { email?: string }).email).toLowerCase();
            sends.set(email, (sends.get(email) ?? 0) + 1);
          }
        // Every lead of the instance was sent (the check below is not empty).
        expect(sends.size).toBe(final.size);
        for (const [email, count] of sends)
          if (count > 2) expect(inFlightAtKill.has(email), `${email} sent ${count} times`).toBe(true);
        recovered += (await producers[p]!.buffer.stats()).counters.recovered_batches ?? 0;
      }
      expect(sentBeforeKill.size).toBeGreaterThan(0);

      // The data really sits on all three masters: each holds the keys of its two instances.
      for (const m of ms) {
        const node = new Redis(Number(m.address.split(':')[1]), '127.0.0.1');
        try {
          for (const name of byMaster.get(m.id)!) {
            const slot = Number(await node.call('CLUSTER', 'KEYSLOT', `{${prefix}:${name}}:seq`));
            expect(Number(await node.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))).toBeGreaterThan(0);
          }
        } finally {
          node.disconnect();
        }
      }
      console.log(
        `instances per master: ${JSON.stringify([...byMaster.values()])}; recovered batches after kill -9: ${recovered}`,
      );
    } finally {
      for (const w of workers) await w.stop();
      for (const p of producers) await p.close();
      seed.disconnect();
      await fixture?.close();
    }
  });

  // Its own waits allow 180 s for the drain after the kill (a promotion takes the node timeout and, on
  // a loaded machine, longer): the file's 60 s test timeout cut it short once under the full suite.
  it('a failover mid-run (CLUSTER FAILOVER on one replica, kill -9 of another master): sending resumes on its own and every acknowledged change arrives', async () => {
    const prefix = freshPrefix();
    const seed = new Redis(Number(cluster.nodes[0]!.split(':')[1]), '127.0.0.1');
    let fixture: InstancesFixture | undefined;
    const producers: Producer[] = [];
    let worker: Awaited<ReturnType<typeof startCli>> | undefined;
    try {
      const ms = await masters(seed);
      const byMaster = new Map<string, string>();
      for (let i = 0; byMaster.size < 3 && i < 1000; i++) {
        const name = `fo-${i}`;
        const slot = Number(await seed.call('CLUSTER', 'KEYSLOT', `{${prefix}:${name}}:seq`));
        const owner = ms.find((m) => m.ranges.some(([a, b]) => slot >= a && slot <= b))!;
        if (!byMaster.has(owner.id)) byMaster.set(owner.id, name);
      }
      const names = [...byMaster.values()];
      fixture = await startInstances(Object.fromEntries(names.map((n) => [n, 'rest' as const])), {
        emulator: {
          faults: { latency: { fixedMs: 100 } },
          limits: { rateCalls: null, concurrency: null, dailyQuota: null },
        },
      });
      const env = {
        REDIS_CLUSTER_NODES: cluster.nodes.join(','),
        MKTSYNC_PREFIX: prefix,
        ...fixture.env,
        ...INSTANCE_WORKER_ENV,
        MKTSYNC_RATE_LIMIT: '0',
        MKTSYNC_MAX_LEADS_PER_CALL: '50',
        MKTSYNC_RESPONSE_TIMEOUT_MS: '2000',
        MKTSYNC_LEASE_MS: '3000',
      };
      worker = await startCli(['worker'], (l) => l.msg === 'worker ready', env);
      const catalog = readInstances(env);
      for (const name of names)
        producers.push(
          await createProducer({ clusterNodes: cluster.nodes, instances: catalog, instance: name }),
        );
      // Acknowledged changes only: an enqueue that failed during the failover is resent with the same
      // idempotency keys until Redis answers (what a producer is told to do), and only then counted.
      const acknowledged = new Map<string, Map<string, string>>(names.map((n) => [n, new Map()]));
      const send = async (round: number): Promise<void> => {
        await Promise.all(
          producers.map(async (producer, p) => {
            const changes = Array.from({ length: 100 }, (_, i) => ({
              Email: `${names[p]}-${i}@example.com`,
              attributes: { City: `r${round}-${i}` },
              idempotencyKey: `${names[p]}-${round}-${i}`,
            }));
            for (let attempt = 0; ; attempt++) {
              try {
                await producer.enqueueLeads(changes);
                break;
              } catch (error) {
                if (attempt > 200) throw error;
                await new Promise((r) => setTimeout(r, 100));
              }
            }
            for (const c of changes) acknowledged.get(names[p]!)!.set(c.Email, c.attributes.City);
          }),
        );
      };
      await send(1);
      const calls = () => names.flatMap((n) => fixture!.emulator.instance(n).calls.since());
      await until('sending under way', () => calls().length >= 3);

      // A manual failover: the replica of the first master takes over.
      const nodes = ((await seed.call('CLUSTER', 'NODES')) as string)
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      const replicaOf = (masterId: string) => nodes.find((f) => f[3] === masterId)![1]!.split('@')[0]!;
      const [first, second] = ms;
      const replica = new Redis(Number(replicaOf(first!.id).split(':')[1]), '127.0.0.1');
      await replica.call('CLUSTER', 'FAILOVER');
      await until(
        'the replica is a master',
        async () => ((await replica.call('ROLE')) as string[])[0] === 'master',
      );
      replica.disconnect();
      await send(2);
      // A crash: the second master is killed; its replica is promoted after the node timeout.
      const victim = cluster.servers.find((s) => `127.0.0.1:${s.port}` === second!.address)!;
      victim.process.kill('SIGKILL');
      await send(3);
      await until(
        'every instance drained',
        async () => {
          for (const producer of producers) {
            try {
              const stats = await producer.buffer.stats();
              if (stats.waitingTotal > 0 || stats.inFlight > 0) return false;
            } catch {
              return false;
            }
          }
          return true;
        },
        180_000,
      );
      for (const name of names) {
        const got = new Map(
          (fixture.emulator.instance(name).leads.all() as EmulatedLead[]).map((l) => [
            (l.Email ?? (l.attributes.Email as string)).toLowerCase(),
            l.attributes.City as string,
          ]),
        );
        expect(got, name).toEqual(acknowledged.get(name));
      }
    } finally {
      await worker?.stop();
      for (const p of producers) await p.close();
      seed.disconnect();
      await fixture?.close();
    }
  }, 240_000);
});
