import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readConsoleSettings } from '../../src/config.js';
import { workerConsoleRoutes } from '../../src/console/worker-console.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_SEED } from '../../src/emulator/seed.js';
import type { Outcome } from '../../src/buffer/types.js';
import { reconcileQueue } from '../../src/reconcile/reconcile-queue.js';
import { startReconcileWorker, type ReconcileWorker } from '../../src/reconcile/reconcile-worker.js';
import type { RunData, RunSummary } from '../../src/reconcile/run-types.js';
import { upsertSchedule } from '../../src/reconcile/schedules.js';
import { expectAccessible, launchBrowser, screenshot, type TestBrowser } from '../helpers/browser.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * The operator console in headless Chromium: a real worker (serving the console on its HTTP port) sends
 * to the emulator over HTTP, with real Redis; the pages are driven as an operator would, checked with
 * axe-core, and kept as screenshots in test-artifacts/console/.
 */

const TOKEN = 'console-token-0123456789abcdef';
const OPERATOR = 'Grace Operator';
const HOSTILE_NAME = '<script>globalThis.__pwned=1</script>';
const HOSTILE_FIELD = '"><img src=x onerror="globalThis.__pwned=2">';

let p: PipelineFixture;
let b: TestBrowser;
let base: string;
let origin: string;
let queue: Queue<RunData, RunSummary, string>;
let reconcile: ReconcileWorker;
let connection: Redis;

const recordUrl = (key: string): string => `${base}/i/default/records/${encodeURIComponent(key)}`;

/** Waits (no fixed sleep) until `check` returns a value. */
async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The page's main text with runs of white space as one space. */
async function mainText(page: TestBrowser['page'], selector = 'main'): Promise<string> {
  return ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ');
}

const outcome = (key: string): Promise<Outcome | null> => p.producer.getOutcome(key);

/** A POST to the console as another site or a script would send it (not through the page). */
function rawPost(path: string, body: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0' });
  const consoleSettings = readConsoleSettings({
    MKTSYNC_CONSOLE_TOKEN: TOKEN,
    MKTSYNC_CONSOLE_WRITE: 'on',
    MKTSYNC_CONSOLE_ON_WORKER: 'on',
  });
  const worker = await p.startWorker({
    ...(await workerConsoleRoutes(p.redis, p.settings, consoleSettings, silentLogger)),
  });
  origin = worker.url!;
  base = `${origin}/console`;
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = reconcileQueue(p.redis, p.prefix);
  reconcile = await startReconcileWorker({
    redis: connection,
    connection,
    producer: p.producer,
    prefix: p.prefix,
    confirmPollMs: 100,
    jobLockMs: 5000,
  });
  const good = Array.from({ length: 10 }, (_, i) => ({
    Email: `ok${i}@example.com`,
    attributes: { FirstName: `Ok ${i}` },
  }));
  const bad = ['ada@example.com', 'bad1@example.com', 'bad2@example.com', 'bad3@example.com'].map(
    (Email) => ({
      Email,
      attributes: { FirstName: 'Bad', pants: 'yes' },
    }),
  );
  const hostile = {
    Email: 'hostile@example.com',
    attributes: { FirstName: HOSTILE_NAME, pants: HOSTILE_FIELD },
  };
  const { rejected } = await p.producer.enqueueLeads([...good, ...bad, hostile]);
  expect(rejected).toEqual([]);
  await p.drained();
  b = await launchBrowser(origin);
});

afterAll(async () => {
  await b?.close();
  await reconcile?.close();
  await queue?.close();
  connection?.disconnect();
  await p?.close();
});

describe('the operator console in a real browser', () => {
  it('signs in with the token and a name; the overview shows the buffer, quota and the outcome chart', async () => {
    const { page } = b;
    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/login`);
    await expectAccessible(page);
    await screenshot(page, 'login');
    await page.fill('#login-name', OPERATOR);
    await page.fill('#login-token', 'not-the-token-at-all');
    await page.click('button[type=submit]');
    await expect(page.textContent('[role=alert]')).resolves.toContain('Wrong token');
    await page.fill('#login-name', OPERATOR);
    await page.fill('#login-token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/i/default/`);
    const main = await mainText(page);
    expect(main).toContain('calls today / daily quota');
    expect(main).toMatch(/5\s*dead letters/);
    expect(await page.textContent('header')).toContain(`Signed in as ${OPERATOR}`);
    // The chart counts what settled: 10 created, 5 failed.
    expect(await page.getAttribute('figure.chart svg', 'aria-label')).toContain('15 in all');
    // No secret on the page: not the console token, not Marketo's key.
    const content = await page.content();
    expect(content).not.toContain(TOKEN);
    expect(content).not.toContain(p.f.credentials.encryptionKey);
    await expectAccessible(page);
    await screenshot(page, 'overview');
  });

  it('finds a failed record by email and reads its error', async () => {
    const { page } = b;
    await page.click('nav >> text=Records');
    await expectAccessible(page);
    await page.fill('#q-key', 'ada@example.com');
    await page.click('form.search button[type=submit]');
    const row = page.locator('main table tbody tr');
    await expect(row.count()).resolves.toBe(1);
    expect(await row.textContent()).toContain('FAILED');
    expect(await row.textContent()).toContain('pants');
    await expectAccessible(page);
    await screenshot(page, 'records-search');
    await row.locator('a').click();
    await page.waitForURL(recordUrl('L:em:ada%40example.com'));
    const error = await page.textContent('dl.kv');
    expect(error).toContain('unknown fields for import: pants');
    expect(await mainText(page)).toContain('Dead letter');
    await expectAccessible(page);
    await screenshot(page, 'record-failed');
    // By status: the five failed records, newest first.
    await page.goto(`${base}/i/default/records?status=FAILED`);
    await expect(page.locator('main table tbody tr').count()).resolves.toBe(5);
    // By field.
    await page.goto(`${base}/i/default/records?field=pants`);
    await expect(page.locator('main table tbody tr').count()).resolves.toBe(5);
  });

  it('shows a hostile record as text: no script runs, no element is injected', async () => {
    const { page } = b;
    await page.goto(recordUrl('L:em:hostile%40example.com'));
    const text = await mainText(page);
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain(HOSTILE_FIELD);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    await expect(page.locator('main script').count()).resolves.toBe(0);
    await expect(page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await screenshot(page, 'record-hostile');
    await page.goto(`${base}/i/default/dlq`);
    expect(await mainText(page)).toContain('hostile');
    await expect(page.locator('main img').count()).resolves.toBe(0);
    await expect(page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
  });

  it('filters dead letters by field, redrives one, and sees it sent', async () => {
    const { page } = b;
    // The operator adds the missing field in Marketo, then sends ada again.
    p.f.emulator.configure({ seed: { customLeadFields: [...DEFAULT_SEED.customLeadFields, 'pants'] } });
    await page.goto(`${base}/i/default/dlq`);
    await page.selectOption('#facet', 'd:pants');
    await page.click('form.search button[type=submit]');
    expect(await mainText(page)).toContain('5 dead letters with field pants');
    await expectAccessible(page);
    await screenshot(page, 'dead-letters');
    await page.check('input[aria-label="Select ada@example.com"]');
    await page.click('text=Redrive selected');
    await expect(page.textContent('[role=status]')).resolves.toContain('Redriven: 1 record');
    const sent = await until('ada sent', async () => {
      const o = await outcome('L:em:ada%40example.com');
      return o && o.status !== 'FAILED' ? o : null;
    });
    expect(sent.status).toBe('CREATED');
    await page.goto(`${base}/i/default/records?key=ada%40example.com`);
    expect(await mainText(page, 'main table tbody')).toContain('CREATED');
    expect(await p.redis.hexists(`{${p.prefix}}:dlq`, 'L:em:ada%40example.com')).toBe(0);
  });

  it('resolves an INDETERMINATE create as confirmed created: kept with who and when, never resent', async () => {
    const { page } = b;
    p.f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const { accepted } = await p.producer.enqueueLeads({
      Email: 'maybe@example.com',
      attributes: { FirstName: 'Maybe' },
      dedupEnabled: false,
    });
    const key = accepted[0]!.key;
    await until('INDETERMINATE', async () =>
      (await outcome(key))?.status === 'INDETERMINATE' ? true : null,
    );
    await page.goto(`${base}/i/default/dlq?facet=s%3AINDETERMINATE`);
    expect(await mainText(page)).toContain('1 dead letter with status INDETERMINATE');
    await page.click(`main table a:text("maybe@example.com #${key.split('#')[1]}")`);
    await page.waitForURL(recordUrl(key));
    await expectAccessible(page);
    await screenshot(page, 'record-indeterminate');
    const callsBefore = p.f.emulator.calls.total;
    await page.click('text=Confirmed created in Marketo');
    await expect(page.textContent('[role=status]')).resolves.toContain('confirmed created');
    const main = await mainText(page);
    expect(main).toContain('CREATED');
    expect(main).toContain(`confirmed created in Marketo by ${OPERATOR}`);
    await screenshot(page, 'record-resolved');
    expect((await outcome(key))!).toMatchObject({ status: 'CREATED' });
    expect(await p.redis.hexists(`{${p.prefix}}:dlq`, key)).toBe(0);
    // Nothing was sent for it: the emulator holds the one lead the lost answer created.
    expect(p.f.emulator.calls.total).toBe(callsBefore);
    const leads = (await (await fetch(`${p.f.emulator.url}/_emulator/leads`)).json()) as {
      Email?: string;
      attributes: Record<string, string>;
    }[];
    expect(leads.filter((l) => (l.Email ?? l.attributes.Email) === 'maybe@example.com')).toHaveLength(1);
  });

  it('starts a scheduled reconcile run and watches it progress to done', async () => {
    const { page } = b;
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-console-'));
    const source = join(dir, 'crm.ndjson');
    writeFileSync(
      source,
      Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({ Email: `r${i}@example.com`, attributes: { FirstName: `R ${i}` } }),
      ).join('\n') + '\n',
    );
    await upsertSchedule(
      queue,
      p.redis,
      p.prefix,
      'nightly',
      { cron: '0 3 * * *', tz: 'UTC' },
      {
        kind: 'leads',
        source,
        set: 'crm',
      },
    );
    await page.goto(`${base}/i/default/runs`);
    expect(await mainText(page)).toContain('nightly');
    await page.click('text=Run nightly now');
    await page.waitForURL(/\/runs\/[^/]+$/);
    await expectAccessible(page);
    await screenshot(page, 'run-in-progress');
    // The page refreshes itself while the run goes on.
    const run = decodeURIComponent(page.url().split('/').pop()!);
    try {
      await page.waitForSelector('[data-state="completed"]', { timeout: 45_000 });
    } catch (error) {
      const job = await queue.getJob(run);
      throw new Error(
        `run ${run} is ${await job?.getState()} (${job?.failedReason ?? ''}); page: ${await mainText(page)}; ${String(error)}`,
      );
    }
    // read, unchanged, new, changed, enqueued, confirmed, failed, absent
    const counts = await page.locator('main table tbody td').allTextContents();
    expect(counts.map((c) => c.trim())).toEqual(['200', '0', '200', '0', '200', '200', '0', '0']);
    await expectAccessible(page);
    await screenshot(page, 'run-done');
    await page.goto(`${base}/i/default/runs`);
    expect(await mainText(page)).toContain('completed');
    await expectAccessible(page);
    await screenshot(page, 'runs');
  });

  it('refuses a write without the session token, from another origin, or without the form token', async () => {
    const cookies = await b.context.cookies(`${base}/`);
    const session = cookies.find((c) => c.name === 'mktsync_console')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    const form = 'key=L%3Aem%3Abad1%2540example.com';
    const path = '/console/i/default/dlq/redrive';
    const dead = async (): Promise<number> => p.redis.hlen(`{${p.prefix}}:dlq`);
    const before = await dead();
    expect(before).toBeGreaterThan(0);
    expect(await rawPost(path, form, { Origin: origin })).toBe(401);
    const cookie = `mktsync_console=${session.value}`;
    expect(await rawPost(path, form, { Origin: 'http://evil.example', Cookie: cookie })).toBe(403);
    expect(await rawPost(path, form, { Cookie: cookie })).toBe(403);
    expect(await rawPost(path, `${form}&csrf=forged`, { Origin: origin, Cookie: cookie })).toBe(403);
    // A page of another site posting a form to the console: the browser sends no session cookie.
    const evil = http.createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(
        `<!doctype html><form id="f" method="post" action="${base}/i/default/dlq/redrive"><input name="key" value="L:em:bad1%40example.com"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilPage = await b.context.newPage();
    const answer = evilPage.waitForResponse((r) => r.url().startsWith(`${base}/i/default/dlq/redrive`));
    await evilPage.goto(`http://localhost:${(evil.address() as { port: number }).port}/`);
    expect([401, 403]).toContain((await answer).status());
    await evilPage.close();
    evil.close();
    expect(await dead()).toBe(before);
    // Only the console's own origin was ever asked for anything by the console's pages.
    expect(b.foreign.filter((u) => !u.startsWith('http://localhost:'))).toEqual([]);
  });
});
