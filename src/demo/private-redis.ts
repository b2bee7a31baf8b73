import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away redis-server for a first run; stopped and deleted with {@link PrivateRedis.stop}. */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure `redis-server` exists: installs Debian's package when running as root with apt-get,
 * otherwise throws an error that says exactly what to install.
 */
export function ensureRedisServer(say: (line: string) => void, env: NodeJS.ProcessEnv): void {
  if (has('redis-server')) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && has('apt-get')) {
    say('redis-server is missing: installing it from Debian’s packages (apt-get install redis-server)…');
    execFileSync('apt-get', ['update', '-qq'], {
      stdio: 'ignore',
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
      stdio: 'ignore',
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (has('redis-server')) return;
  }
  throw new Error(
    'redis-server was not found. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) ' +
      'or point mktsync at a Redis with REDIS_URL=redis://host:6379.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a private redis-server on a free loopback port, in a temporary directory, without persistence. */
export async function startPrivateRedis(
  say: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<PrivateRedis> {
  ensureRedisServer(say, env);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mktsync-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the private redis-server did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
