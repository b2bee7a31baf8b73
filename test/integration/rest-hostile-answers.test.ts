import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { startPipeline, TEST_REST_CLIENT, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * Issue 19 items 2 and 4, with a real worker and a real `mktsync send` behind a hostile hop in front
 * of the emulator: an Identity service (or gateway) that quotes the request it refuses must not put
 * the client secret anywhere; an answer nested 100,000 levels deep must not escape as a RangeError.
 */

let p: PipelineFixture | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await p?.close();
  await proxy?.close();
  p = undefined;
  proxy = undefined;
});

const SECRET = TEST_REST_CLIENT.clientSecret;
const dir = mkdtempSync(join(tmpdir(), 'mktsync-rest-hostile-'));
const leadsFile = (n: number): string => {
  const path = join(dir, `leads-${n}.ndjson`);
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ Email: `h${i}@example.com`, attributes: {} }),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};

/** An Identity answer that quotes the whole request: its URL, its body and its headers. */
const echo = (status: number) => (req: ProxiedRequest) =>
  req.path.startsWith('/identity')
    ? {
        status,
        body: JSON.stringify({
          error: status === 401 ? 'unauthorized' : 'invalid_request',
          error_description: `echo: ${req.method} ${req.path} ${req.body} ${JSON.stringify(req.headers)}`,
        }),
      }
    : null;

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never reached: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function capturingLogger(lines: string[]): Logger {
  const write = (msg: string, fields?: Record<string, unknown>) =>
    lines.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  return { debug: write, info: write, warn: write, error: write };
}

describe('the client secret never leaves through an answer that quotes the request', () => {
  it.each([400, 401])(
    'Identity answers %i quoting the request: no secret in outcomes, dead letters, the stream, logs or readiness',
    async (status) => {
      p = await startPipeline({}, {}, 'rest');
      proxy = await startFaultProxy(p.f.emulator.url);
      proxy.answer(echo(status));
      const { accepted } = await p.producer.enqueueLeads(
        Array.from({ length: 5 }, (_, i) => ({ Email: `s${i}@example.com`, attributes: { FirstName: 'S' } })),
      );
      const log: string[] = [];
      const worker = await p.startWorker(
        { log: capturingLogger(log) },
        { MARKETO_REST_ENDPOINT: proxy.url, MKTSYNC_MAX_ATTEMPTS: '2' },
      );
      // 400: the records are dead-lettered (a refused request); 401: sending stops (authentication).
      const texts = await until(async () => {
        const reason = await worker.notReadyReason();
        const dead = await p!.producer.buffer.deadLetters();
        if (status === 401 ? reason === null : dead.length < accepted.length) return undefined;
        return [reason ?? '', JSON.stringify(dead)];
      }, 'the records dead-lettered or sending stopped');
      const outcomes = await Promise.all(accepted.map((a) => p!.producer.buffer.getOutcome(a.key)));
      const stream = JSON.stringify(await p.redis.xrange(p.producer.buffer.keys.outcomes, '-', '+'));
      const all = [...texts, JSON.stringify(outcomes), stream, log.join('\n')].join('\n');
      // The quote reached mktsync (so the test can fail), without the secret.
      expect(all).toMatch(/echo: POST \/identity\/oauth\/token/);
      expect(all).toContain('(hidden)');
      expect(all).not.toContain(SECRET);
      // The secret was not in the URL to begin with: it travels in the form body only.
      const identity = proxy.requests.filter((r) => r.path.startsWith('/identity'));
      expect(identity.length).toBeGreaterThan(0);
      for (const r of identity) {
        expect(r.path).not.toContain(SECRET);
        expect(new URLSearchParams(r.body).get('client_secret')).toBe(SECRET);
      }
    },
  );

  it.each([400, 401])(
    'mktsync send prints no secret when Identity answers %i quoting the request',
    async (status) => {
      p = await startPipeline({}, {}, 'rest');
      proxy = await startFaultProxy(p.f.emulator.url);
      proxy.answer(echo(status));
      const run = await runCli(['send', 'leads', leadsFile(2), '--transport', 'rest'], {
        MARKETO_TRANSPORT: 'rest',
        MARKETO_SOAP_ENDPOINT: undefined,
        MARKETO_REST_ENDPOINT: proxy.url,
        MARKETO_CLIENT_ID: TEST_REST_CLIENT.clientId,
        MARKETO_CLIENT_SECRET: SECRET,
      });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(output).toMatch(/echo: POST \/identity\/oauth\/token/);
      expect(output).not.toContain(SECRET);
      expect(run.code).toBe(1);
    },
  );
});

const deep = (depth = 100_000): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('an answer nested 100,000 levels deep', () => {
  it('mktsync send exits with a clear error, not a stack trace', async () => {
    p = await startPipeline({}, {}, 'rest');
    proxy = await startFaultProxy(p.f.emulator.url);
    proxy.answer((req) =>
      req.path === '/rest/v1/leads.json'
        ? {
            status: 200,
            body: `{"requestId":"x","success":true,"result":[{"id":${deep()},"status":"created"}]}`,
          }
        : null,
    );
    const run = await runCli(['send', 'leads', leadsFile(1), '--transport', 'rest'], {
      MARKETO_TRANSPORT: 'rest',
      MARKETO_SOAP_ENDPOINT: undefined,
      MARKETO_REST_ENDPOINT: proxy.url,
      MARKETO_CLIENT_ID: TEST_REST_CLIENT.clientId,
      MARKETO_CLIENT_SECRET: SECRET,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);
    expect(output).toMatch(/not understood/);
    expect(run.code).toBe(1);
  });

  it('a worker settles the batch: updates go back with an attempt burnt, then dead-lettered at the maximum', async () => {
    p = await startPipeline({}, {}, 'rest');
    proxy = await startFaultProxy(p.f.emulator.url);
    let syncs = 0;
    proxy.answer((req) => {
      if (req.path !== '/rest/v1/leads.json') return null;
      syncs++;
      return {
        status: 200,
        body: `{"requestId":"x","success":true,"result":[{"id":${deep()},"status":"created"}]}`,
      };
    });
    const { accepted } = await p.producer.enqueueLeads([{ Email: 'deep@example.com', attributes: {} }]);
    await p.startWorker(
      {},
      { MARKETO_REST_ENDPOINT: proxy.url, MKTSYNC_MAX_ATTEMPTS: '2', MKTSYNC_LEASE_MS: '60000' },
    );
    const outcome = await until(
      async () => (await p!.producer.buffer.getOutcome(accepted[0]!.key)) ?? undefined,
      'an outcome',
    );
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toMatch(/gave up after 2 attempts: Marketo's answer was not understood/);
    expect(syncs).toBe(2);
  });
});
