import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Debian's Chromium (installed by scripts/test-prereqs.sh like redis-server), driven by Playwright:
 * no browser download, headless, a new empty profile per launch, nothing fetched from the internet.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where page screenshots are kept as test artifacts (gitignored). */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/console');

/** A browser with one page and its own empty profile; `close()` removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request the pages made outside `allowedOrigin` (must stay empty). */
  foreign: string[];
  close(): Promise<void>;
}

export async function launchBrowser(allowedOrigin: string): Promise<TestBrowser> {
  const profile = mkdtempSync(join(os.tmpdir(), 'mktsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const foreign: string[] = [];
  context.on('request', (request) => {
    if (!request.url().startsWith(allowedOrigin)) foreign.push(request.url());
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    foreign,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core (WCAG 2 A and AA rules) in the page; fails naming every violation. */
export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated as a script by the DevTools protocol: the page's Content-Security-Policy does not apply.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    return result.violations;
  });
  const summary = (violations as AxeViolation[]).map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(summary, `axe-core on ${page.url()}`).toEqual([]);
}

/** Keeps a full-page screenshot as `test-artifacts/console/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
