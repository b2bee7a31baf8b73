import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, type RedisServer } from './redis-server.js';

/** A real Redis Cluster of three masters (no replicas, or one each), built from redis-server and redis-cli. */
export interface RedisCluster {
  nodes: string[];
  /** The servers, masters first (redis-cli makes the first three the masters). */
  servers: RedisServer[];
  stop(): Promise<void>;
}

export async function startRedisCluster(options: { replicas?: 0 | 1 } = {}): Promise<RedisCluster> {
  const replicas = options.replicas ?? 0;
  const servers: RedisServer[] = [];
  for (let i = 0; i < 3 * (1 + replicas); i++) {
    servers.push(
      await startRedisServer([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes.conf`,
        '--cluster-node-timeout',
        '2000',
      ]),
    );
  }
  const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
  execFileSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes, '--cluster-replicas', String(replicas), '--cluster-yes'],
    {
      stdio: 'pipe',
    },
  );
  // Ready when every node says the cluster is ok and, with replicas, knows each replica as one (a
  // replica is listed as a slotless master until the configuration has reached every node).
  for (let i = 0; i < 600; i++) {
    const ok = servers.every((s) => {
      const info = execFileSync('redis-cli', ['-p', String(s.port), 'cluster', 'info']).toString();
      if (!info.includes('cluster_state:ok')) return false;
      if (replicas === 0) return true;
      const nodes = execFileSync('redis-cli', ['-p', String(s.port), 'cluster', 'nodes']).toString();
      return (
        nodes.split('\n').filter((line) => /\b(slave|replica)\b/.test(line.split(' ')[2] ?? '')).length === 3
      );
    });
    if (ok) break;
    await sleep(100);
  }
  return { nodes, servers, stop: async () => void (await Promise.all(servers.map((s) => s.stop()))) };
}
