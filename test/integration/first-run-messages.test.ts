import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCliWithin, startCli } from '../helpers/cli.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';
import { startHostileMarketo, type HostileMarketo } from '../helpers/hostile-marketo.js';
import { freshPrefix } from '../helpers/pipeline.js';

/** Issue 10 item 5: no credentials in logged URLs, `send --timeout`, and the demo naming refused credentials. */

const dir = mkdtempSync(join(tmpdir(), 'mktsync-firstrun-'));
const leads = join(dir, 'leads.ndjson');
writeFileSync(leads, '{"Email":"a@example.com","attributes":{"City":"x"}}\n');
let f: EmulatorFixture;
let hostile: HostileMarketo;
beforeAll(async () => {
  f = await startFixture();
  hostile = await startHostileMarketo();
});
afterAll(async () => {
  await f.close();
  await hostile.close();
});

describe('secrets and first-run messages', () => {
  it("the worker's start line shows the endpoint without userinfo or query", async () => {
    const endpoint = new URL(f.emulator.endpoint);
    endpoint.username = 'api-user';
    endpoint.password = 'pa55-in-url';
    endpoint.search = '?token=query-secret';
    const worker = await startCli(['worker'], (l) => l.msg === 'worker started', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: freshPrefix(),
      MARKETO_SOAP_ENDPOINT: endpoint.toString(),
      MARKETO_USER_ID: f.credentials.userId,
      MARKETO_ENCRYPTION_KEY: f.credentials.encryptionKey,
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
    });
    try {
      const text = JSON.stringify(worker.line);
      expect(text).not.toContain('pa55-in-url');
      expect(text).not.toContain('query-secret');
      expect(text).not.toContain('api-user');
      expect(worker.line.endpoint).toBe(f.emulator.endpoint);
    } finally {
      await worker.stop();
    }
  });

  it('send --timeout bounds a call whose answer trickles in for ever', async () => {
    hostile.answer(() => 'trickle');
    const run = await runCliWithin(
      ['send', 'leads', leads, '--timeout', '2'],
      {
        MARKETO_SOAP_ENDPOINT: hostile.endpoint,
        MARKETO_USER_ID: 'u',
        MARKETO_ENCRYPTION_KEY: 'k-0123456789',
      },
      30_000,
    );
    expect(run.killed).toBe(false);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      fault: { category: 'indeterminate', message: 'no complete answer within 2000 ms' },
    });
    const bad = await runCliWithin(['send', 'leads', leads, '--timeout', 'soon'], {}, 30_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout must be a number of seconds');
  });

  it('demo --marketo with a wrong key stops and says that authentication failed', async () => {
    const run = await runCliWithin(
      ['demo', '--marketo', '--changes', '300', '--leads', '50', '--bursts', '2', '--burst-gap-ms', '10'],
      {
        REDIS_URL: inject('redisUrl'),
        MARKETO_SOAP_ENDPOINT: f.emulator.endpoint,
        MARKETO_USER_ID: f.credentials.userId,
        MARKETO_ENCRYPTION_KEY: 'a-wrong-key-0123456789',
      },
      45_000,
    );
    expect(run.killed).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/authentication failed: Marketo refused the credentials \(fault 20014\)/);
    expect(run.stderr).toContain('MARKETO_ENCRYPTION_KEY');
    expect(run.stderr).not.toContain('a-wrong-key-0123456789');
  });
});
