import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import { startConsoleServer, type ConsoleServer } from '../../src/console/console-server.js';
import { freshPrefix } from '../helpers/pipeline.js';

/** The console without MKTSYNC_CONSOLE_WRITE: pages readable with the token, every write refused. */

const TOKEN = 'read-only-token-0123456789';
let redis: Redis;
let server: ConsoleServer;
let origin: string;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  const buffer = new RedisBuffer(redis, freshPrefix());
  await buffer.enqueue([
    { key: 'L:em:x%40y.com', group: 'L:Email', data: { Email: 'x@y.com', attributes: {} } },
  ]);
  server = await startConsoleServer({
    instances: [
      {
        name: 'default',
        buffer,
        dailyQuota: 10_000,
        rateLimit: 80,
        rateWindowMs: 20_000,
        outcomeRetentionSec: 3600,
        outcomeStreamMaxLen: 1000,
      },
    ],
    token: TOKEN,
    write: false,
    port: 0,
    host: '127.0.0.1',
  });
  origin = new URL(server.url).origin;
});
afterAll(async () => {
  await server?.close();
  redis?.disconnect();
});

describe('the console, read-only', () => {
  it('sends an unsigned visitor to sign in, and shows pages to the token as a bearer', async () => {
    const anonymous = await fetch(`${origin}/console/i/default/`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/console/login');
    const wrong = await fetch(`${origin}/console/i/default/`, {
      redirect: 'manual',
      headers: { Authorization: 'Bearer not-the-token-0123456789' },
    });
    expect(wrong.status).toBe(303);
    const page = await fetch(`${origin}/console/i/default/`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const text = await page.text();
    expect(text).toContain('read-only');
    expect(text).not.toContain(TOKEN);
    const unknown = await fetch(`${origin}/console/i/other/`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('no instance other (known: default)');
  });

  it('refuses every write of a signed-in operator and shows no write form', async () => {
    const login = await fetch(`${origin}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
      body: new URLSearchParams({ name: 'Reader', token: TOKEN }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const dlq = await (
      await fetch(`${origin}/console/i/default/dlq`, { headers: { Cookie: cookie } })
    ).text();
    expect(dlq).not.toContain('Redrive');
    const csrf = /name="csrf" value="([^"]+)"/.exec(dlq)![1]!;
    const write = await fetch(`${origin}/console/i/default/dlq/redrive`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin, Cookie: cookie },
      body: new URLSearchParams({ csrf, key: 'L:em:x%40y.com' }).toString(),
    });
    expect(write.status).toBe(403);
    expect(await write.text()).toContain('read-only: set MKTSYNC_CONSOLE_WRITE=on');
  });
});

describe('a reconcile source as shown', () => {
  it('keeps a path, and hides the credentials and query of a URL', async () => {
    const { shownSource } = await import('../../src/console/shown-source.js');
    expect(shownSource('/data/crm.ndjson')).toBe('/data/crm.ndjson');
    const shown = shownSource('https://user:s3cret@example.com/export.csv?token=abc');
    expect(shown).toBe('https://example.com/export.csv (credentials and query hidden)');
    expect(shown).not.toContain('s3cret');
  });
});

describe('mktsync console', () => {
  it('refuses to start without MKTSYNC_CONSOLE_TOKEN, naming it', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const run = await runCli(['console', '--port', '0'], {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_CONSOLE_TOKEN: '',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MKTSYNC_CONSOLE_TOKEN is not set');
  });

  it('serves the sign-in page and stops on SIGTERM', async () => {
    const { startCli } = await import('../helpers/cli.js');
    const cli = await startCli(['console', '--port', '0'], (line) => line.msg === 'console ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: freshPrefix(),
      MKTSYNC_CONSOLE_TOKEN: TOKEN,
    });
    try {
      const url = String(cli.line.url);
      expect(cli.line.writes).toBe(false);
      const login = await fetch(`${url}login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain('Console token (MKTSYNC_CONSOLE_TOKEN)');
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });
});
