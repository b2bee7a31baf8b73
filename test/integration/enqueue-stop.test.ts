import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

// A Redis of its own: the test fills it to its memory limit mid-import.
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer(['--maxmemory-policy', 'noeviction']);
});
afterAll(() => server?.stop());

const line = (n: number): string =>
  `${JSON.stringify({ Email: `line${n}@example.com`, attributes: { Note: 'x'.repeat(100) } })}\n`;

describe('mktsync enqueue from a pipe when Redis fails mid-stream', () => {
  it('stops reading, exits non-zero and says through which line it accepted', async () => {
    const prefix = 'pipe';
    const admin = new Redis(server.url);
    const child = spawn(process.execPath, [BIN, 'enqueue', '--leads', '-', '--quiet'], {
      env: { ...process.env, REDIS_URL: server.url, MKTSYNC_PREFIX: prefix },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => {}); // EPIPE once it stopped reading
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));

    // Feed lines and never close stdin: the command must stop by itself.
    let written = 0;
    let full = false;
    const deadline = Date.now() + 30_000;
    while (exitCode === undefined && Date.now() < deadline) {
      let block = '';
      for (let i = 0; i < 500; i++) block += line(++written);
      if (!child.stdin.write(block)) await new Promise((r) => setTimeout(r, 5));
      if (!full && Number((await admin.get(`{${prefix}}:seq`)) ?? 0) >= 2_000) {
        // Redis now refuses every write: the next chunk fails.
        const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
        await admin.config('SET', 'maxmemory', String(used - 100_000));
        full = true;
      }
      await new Promise((r) => setImmediate(r));
    }
    const stillRunning = exitCode === undefined;
    child.stdin.destroy();
    const code = await exited;
    await admin.config('SET', 'maxmemory', '0');
    expect(
      stillRunning,
      `running with stdin open after ${written} lines; stderr: ${stderr.slice(0, 500)}`,
    ).toBe(false);
    expect(code, stderr).toBe(3);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    const summary = JSON.parse(stdout) as Record<string, number | number[]>;
    const through = summary.acceptedThroughLine as number;
    expect(through).toBeGreaterThanOrEqual(2_000);
    expect(summary).toMatchObject({
      accepted: through,
      rejected: 0,
      firstLineNotWritten: through + 1,
      refusedLines: [through + 1, through + 500],
    });
    expect(stderr).toContain(`accepted: every valid line through line ${through}`);
    expect(stderr).toContain(`first line not written: ${through + 1}`);
    // It stopped at the failed write: it read no more than that chunk, of the many lines fed to it.
    expect(summary.lines).toBe(through + 500);
    expect(written).toBeGreaterThan(through + 500);
    // Redis holds exactly the lines it called accepted.
    expect(await admin.eval(`return #redis.call('KEYS', ARGV[1])`, 0, `{${prefix}}:rec:*`)).toBe(through);
    expect(await admin.hexists(`{${prefix}}:rec:L:em:line${through}%40example.com`, 'data')).toBe(1);
    admin.disconnect();
  });
});

describe('mktsync enqueue --idempotency-key', () => {
  it('running the same file again with the same key writes no line twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-enqueue-'));
    const path = join(dir, 'new-leads.ndjson');
    // dedupEnabled:false never merges: a line written twice would be two records (two Marketo leads).
    writeFileSync(
      path,
      Array.from({ length: 10 }, (_, i) =>
        JSON.stringify({ Email: `n${i}@example.com`, dedupEnabled: false }),
      ).join('\n'),
    );
    const env = { REDIS_URL: server.url, MKTSYNC_PREFIX: 'resume' };
    const args = ['enqueue', '--leads', path, '--quiet', '--idempotency-key', 'import-2026-11-23'];
    const first = await runCli(args, env);
    const second = await runCli(args, env);
    rmSync(dir, { recursive: true, force: true });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ lines: 10, accepted: 10, rejected: 0 });
    expect(JSON.parse(first.stdout).replayed).toBeUndefined();
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ lines: 10, accepted: 10, replayed: 10, rejected: 0 });
    const admin = new Redis(server.url);
    expect(await admin.keys('{resume}:rec:*')).toHaveLength(10);
    admin.disconnect();
  });
});

describe('mktsync enqueue with a bad setting', () => {
  it('names the setting and exits 2 without blaming Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-enqueue-'));
    const path = join(dir, 'leads.ndjson');
    writeFileSync(path, `${JSON.stringify({ Email: 'a@example.com' })}\n`);
    const env = { REDIS_URL: server.url, MKTSYNC_PREFIX: 'setting', MKTSYNC_IDEMPOTENCY_WINDOW_S: '0' };
    const run = await runCli(['enqueue', '--leads', path, '--quiet'], env);
    rmSync(dir, { recursive: true, force: true });
    expect(run.stderr).toMatch(/^mktsync: MKTSYNC_IDEMPOTENCY_WINDOW_S /);
    expect(run.stderr).not.toContain('Redis');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});
