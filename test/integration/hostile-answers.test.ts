import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { BIN } from '../helpers/cli.js';
import {
  faultAnswer,
  leadsAnswer,
  startHostileMarketo,
  type HostileMarketo,
} from '../helpers/hostile-marketo.js';
import { freshPrefix } from '../helpers/pipeline.js';

/**
 * Issue 10 item 1: one hostile answer must not take a worker down. A real worker process, capped at
 * 128 MB of heap as docs/operations.md recommends, sends to a hostile HTTP endpoint; every outcome
 * and dead letter stays small and the worker stays up.
 */

const MB = 1024 * 1024;
const prefix = freshPrefix();
let hostile: HostileMarketo;
let producer: Producer;
let redis: Redis;
let worker: ChildProcess;
let workerExit: Promise<number | null>;
const logLines: string[] = [];
let stderr = '';
let memoryBefore = 0;

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

beforeAll(async () => {
  hostile = await startHostileMarketo();
  redis = new Redis(inject('redisUrl'));
  producer = await createProducer({ url: inject('redisUrl'), prefix });
  memoryBefore = await usedMemory();
  worker = spawn(process.execPath, ['--max-old-space-size=128', BIN, 'worker'], {
    env: {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: prefix,
      MARKETO_SOAP_ENDPOINT: hostile.endpoint,
      MARKETO_USER_ID: 'hostile_user',
      MARKETO_ENCRYPTION_KEY: 'hostile-key-0123456789',
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_QUIET_MS: '0',
      MKTSYNC_MAX_ATTEMPTS: '2',
      MKTSYNC_BACKOFF_BASE_MS: '20',
      // Abandoned requests go again at once here (the bound is abandoned-request.test.ts's subject).
      MKTSYNC_ABANDONED_APPLY_MS: '0',
      MKTSYNC_BACKOFF_MAX_MS: '100',
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '20000',
      MKTSYNC_LEASE_MS: '60000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workerExit = new Promise((r) => worker.on('exit', (code) => r(code)));
  worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
    createInterface({ input: worker.stdout! }).on('line', (line) => {
      logLines.push(line.length > 4096 ? `${line.slice(0, 200)}… (${line.length} characters)` : line);
      if (line.includes('"worker ready"')) resolve();
    });
  });
});

afterAll(async () => {
  if (worker.exitCode === null) {
    worker.kill('SIGTERM');
    await workerExit;
  }
  await producer.close();
  redis.disconnect();
  await hostile.close();
});

/** Enqueues `n` fresh leads and waits until every one has an outcome; returns their outcomes and dead letters. */
async function sendLeads(tag: string, n = 100) {
  const { accepted } = await producer.enqueueLeads(
    Array.from({ length: n }, (_, i) => ({
      Email: `${tag}-${i}@example.com`,
      attributes: { FirstName: 'X' },
    })),
  );
  expect(accepted).toHaveLength(n);
  const deadline = Date.now() + 45_000;
  for (;;) {
    const raws = await redis.mget(accepted.map((a) => producer.buffer.keys.outcome(a.key)));
    if (raws.every((r) => r !== null)) {
      const dead = await redis.hmget(producer.buffer.keys.dlq, ...accepted.map((a) => a.key));
      return {
        outcomeJson: raws as string[],
        outcomes: (raws as string[]).map((r) => JSON.parse(r) as Record<string, unknown>),
        deadJson: dead.filter((d): d is string => d !== null),
      };
    }
    if (worker.exitCode !== null)
      throw new Error(`worker died (exit ${worker.exitCode}): ${stderr.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`no outcome for every ${tag} lead within 45 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const created = (n: number, i: number) => `<leadId>${1000 + i}</leadId><status>CREATED</status>`;

describe('hostile answers against a worker capped at 128 MB of heap', () => {
  it('a 2 MB status text in a 100-lead answer: every outcome and dead letter stays under 2 KB', async () => {
    hostile.answer((n) =>
      leadsAnswer(
        Array.from({ length: n }, (_, i) =>
          i === 7 ? `<leadId>1</leadId><status>${'S'.repeat(2 * MB)}</status>` : created(n, i),
        ),
      ),
    );
    const { outcomeJson, outcomes, deadJson } = await sendLeads('status');
    expect(outcomes.every((o) => o.status !== 'CREATED')).toBe(true);
    expect(Math.max(...outcomeJson.map((o) => o.length))).toBeLessThan(2048);
    expect(deadJson).toHaveLength(100);
    expect(Math.max(...deadJson.map((d) => d.length))).toBeLessThan(4096);
    expect(String(outcomes[0]!.error)).toMatch(/unknown status.*characters cut/);
  });

  it('a 2 MB error text on a FAILED record is cut with a visible marker', async () => {
    hostile.answer((n) =>
      leadsAnswer(
        Array.from({ length: n }, (_, i) =>
          i === 3
            ? `<leadId>0</leadId><status>FAILED</status><error>20103 ${'é'.repeat(2 * MB)}</error>`
            : created(n, i),
        ),
      ),
    );
    const { outcomeJson, outcomes } = await sendLeads('error');
    const failed = outcomes.filter((o) => o.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.error)).toMatch(/^20103 é+… \[\d+ characters cut\]$/);
    expect(Math.max(...outcomeJson.map((o) => o.length))).toBeLessThan(2048);
    expect(outcomes.filter((o) => o.status === 'CREATED')).toHaveLength(99);
  });

  it('a lead id beyond 2^53 is never recorded as a success', async () => {
    hostile.answer((n) =>
      leadsAnswer(
        Array.from({ length: n }, (_, i) =>
          i === 0 ? '<leadId>99999999999999999999</leadId><status>CREATED</status>' : created(n, i),
        ),
      ),
    );
    const { outcomes } = await sendLeads('bigid');
    expect(outcomes.filter((o) => o.status === 'CREATED')).toHaveLength(0);
    expect(outcomes.every((o) => o.id === null || Number.isSafeInteger(o.id))).toBe(true);
    expect(String(outcomes[0]!.error)).toMatch(/not a safe integer/);
  });

  it('2 MB fault texts on every retry: dead letters stay small', async () => {
    hostile.answer(() => faultAnswer(`10001 - ${'F'.repeat(2 * MB)}`, 'D'.repeat(2 * MB), '10001'));
    const { outcomeJson, deadJson } = await sendLeads('fault');
    expect(deadJson).toHaveLength(100);
    expect(Math.max(...outcomeJson.map((o) => o.length))).toBeLessThan(2048);
    expect(Math.max(...deadJson.map((d) => d.length))).toBeLessThan(4096);
  });

  it('an answer of 7 MB of tiny elements, and one of a million attributes, are malformed, not fatal', async () => {
    hostile.answer(() => leadsAnswer(Array.from({ length: (7 * MB) / 13 }, () => '')));
    const flood = await sendLeads('flood');
    expect(flood.outcomes.every((o) => o.status === 'FAILED')).toBe(true);
    hostile.answer((n) =>
      leadsAnswer([
        `<leadId a="${Array.from({ length: 1 }, () => '').join('')}">1</leadId><status>CREATED</status>`.replace(
          '<leadId',
          `<leadId ${Array.from({ length: 600_000 }, (_, i) => `a${i}=""`).join(' ')}`,
        ),
        ...Array.from({ length: n - 1 }, (_, i) => created(n, i)),
      ]),
    );
    const attributes = await sendLeads('attrs');
    expect(attributes.outcomes.every((o) => o.status !== 'CREATED' || typeof o.id === 'number')).toBe(true);
  });

  it('a 7 MB error text, a 7 MB tag and 7 MB after the envelope: cut or refused, not fatal', async () => {
    hostile.answer((n) =>
      leadsAnswer(
        Array.from({ length: n }, (_, i) =>
          i === 1
            ? `<leadId>5</leadId><status>FAILED</status><error>20103 ${'&amp;'.repeat((7 * MB) / 5)}</error>`
            : created(n, i),
        ),
      ),
    );
    const long = await sendLeads('longtext');
    const failed = long.outcomes.filter((o) => o.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.error)).toMatch(/^20103 &+… \[\d+ characters cut\]$/);
    expect(Math.max(...long.outcomeJson.map((o) => o.length))).toBeLessThan(2048);

    hostile.answer((n) =>
      leadsAnswer([
        `<leadId x="${'a'.repeat(7 * MB)}">1</leadId><status>CREATED</status>`,
        ...Array.from({ length: n - 1 }, (_, i) => created(n, i)),
      ]),
    );
    const tag = await sendLeads('longtag');
    expect(tag.outcomes.every((o) => o.status === 'FAILED')).toBe(true);
    expect(String(tag.outcomes[0]!.error)).toMatch(/tag longer than/);

    hostile.answer((n) => {
      const ok = leadsAnswer(Array.from({ length: n }, (_, i) => created(n, i)));
      return { status: 200, body: `${ok.body}${'t'.repeat(7 * MB)}` };
    });
    const after = await sendLeads('trailing');
    expect(after.outcomes.every((o) => o.status !== 'CREATED' || typeof o.id === 'number')).toBe(true);
  });

  it('the worker survived every answer, its logs stayed small and Redis grew by little', async () => {
    expect(worker.exitCode).toBeNull();
    expect(stderr).not.toMatch(/heap out of memory|FATAL ERROR/);
    expect(logLines.every((l) => l.length <= 4096)).toBe(true);
    const grown = (await usedMemory()) - memoryBefore;
    process.stdout.write(`Redis grew by ${(grown / MB).toFixed(1)} MB over ${hostile.calls} hostile calls\n`);
    expect(grown).toBeLessThan(32 * MB);
  });
});
