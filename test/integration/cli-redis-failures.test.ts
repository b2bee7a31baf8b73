import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCliWithin } from '../helpers/cli.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';

/**
 * Issue 10 item 4: with Redis unreachable or refusing the password, one-shot commands say why and
 * exit non-zero; long-running ones keep retrying, log why (rate-limited) and answer /readyz with it.
 */

const PASSWORD = 'hunter2-not-for-logs';
const dir = mkdtempSync(join(tmpdir(), 'mktsync-redisfail-'));
const leads = join(dir, 'leads.ndjson');
writeFileSync(leads, '{"Email":"a@example.com","attributes":{"City":"x"}}\n');
let locked: RedisServer;
let nowhere: string;

beforeAll(async () => {
  locked = await startRedisServer(['--requirepass', PASSWORD]);
  nowhere = `redis://127.0.0.1:${await freePort()}`;
});
afterAll(() => locked.stop());

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
});

/** Starts a long-running `mktsync ARGS` and collects its log lines (stdout and stderr). */
function startLongRunning(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find((l) => pattern.test(l));
      if (hit) return hit;
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${lines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern}: ${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, waitFor };
}

async function readyz(port: number): Promise<{ status: number; body: { ready?: boolean; reason?: string } }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as { reason?: string } };
}

const MARKETO = {
  MARKETO_SOAP_ENDPOINT: 'http://127.0.0.1:9/soap/mktows/2_3',
  MARKETO_USER_ID: 'u',
  MARKETO_ENCRYPTION_KEY: 'k-0123456789',
};

describe('one-shot commands with Redis unreachable say why and exit 1', () => {
  it.each([
    ['outcomes', ['outcomes']],
    ['outcomes --key', ['outcomes', '--key', 'L:em:a']],
    ['dlq list', ['dlq', 'list']],
    ['dlq redrive', ['dlq', 'redrive', '--all']],
    ['enqueue', ['enqueue', '--leads', leads]],
  ])('%s', async (_name, args) => {
    const run = await runCliWithin(args, { REDIS_URL: nowhere });
    expect(run.killed).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^mktsync: cannot use Redis at redis:\/\/127\.0\.0\.1:\d+\/?: connect ECONNREFUSED/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a wrong password is named as an authentication failure, and never printed', async () => {
    const url = `redis://:wrong-${PASSWORD}@127.0.0.1:${locked.port}`;
    for (const args of [['dlq', 'list'], ['outcomes']]) {
      const run = await runCliWithin(args, { REDIS_URL: url });
      expect(run.killed).toBe(false);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/authentication failed: Redis refused the credentials \(WRONGPASS/);
      expect(run.stderr).not.toContain(PASSWORD);
    }
    const missing = await runCliWithin(['dlq', 'list'], { REDIS_URL: `redis://127.0.0.1:${locked.port}` });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/authentication failed: Redis refused the credentials \(NOAUTH/);
  });
});

describe('long-running commands keep retrying, log why and report it on /readyz', () => {
  it('worker: 503 with the reason while Redis is away, ready once it comes', async () => {
    const port = await freePort();
    const redisPort = await freePort();
    const worker = startLongRunning(['worker'], {
      ...MARKETO,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      MKTSYNC_HTTP_PORT: String(port),
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_PREFIX: 'redis-fail-worker',
    });
    await worker.waitFor(/cannot use Redis at .*retrying/);
    await worker.waitFor(/waiting for Redis/);
    const r = await readyz(port);
    expect(r.status).toBe(503);
    expect(r.body.reason).toMatch(/ECONNREFUSED/);
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
    // Several reconnection attempts fail in two seconds; the same reason is logged once.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(worker.lines.filter((l) => l.includes('cannot use Redis')).length).toBe(1);
    // Redis appears on the port the worker was told to use.
    const redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    children.push(redis);
    await worker.waitFor(/worker ready/);
    await worker.waitFor(/reachable again/);
    expect((await readyz(port)).status).toBe(200);
  });

  it('ingest with a wrong password: keeps running, /readyz names the authentication failure', async () => {
    const port = await freePort();
    const ingest = startLongRunning(['ingest'], {
      REDIS_URL: `redis://:nope@127.0.0.1:${locked.port}`,
      MKTSYNC_INGEST_PORT: String(port),
      MKTSYNC_INGEST_HOST: '127.0.0.1',
      MKTSYNC_INGEST_AUTH: 'off',
    });
    await ingest.waitFor(/authentication failed/);
    const r = await readyz(port);
    expect(r.status).toBe(503);
    expect(r.body.reason).toMatch(/authentication failed/);
    expect(ingest.child.exitCode).toBeNull();
  });

  it('outcomes --follow keeps retrying and logs why on stderr', async () => {
    const follow = startLongRunning(['outcomes', '--follow'], { REDIS_URL: nowhere });
    await follow.waitFor(/cannot use Redis at .*ECONNREFUSED/);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(follow.child.exitCode).toBeNull();
  });
});
