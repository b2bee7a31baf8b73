import { describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../../src/demo/summary.js';
import { runCli } from '../helpers/cli.js';
import { startFixture } from '../helpers/emulator.js';
import { TEST_REST_CLIENT } from '../helpers/pipeline.js';

/** No Marketo settings from the environment the tests run in. */
const NO_MARKETO = {
  MARKETO_TRANSPORT: '',
  MARKETO_SOAP_ENDPOINT: '',
  MARKETO_REST_ENDPOINT: '',
  MARKETO_IDENTITY_ENDPOINT: '',
  MARKETO_CLIENT_ID: '',
  MARKETO_CLIENT_SECRET: '',
};

describe('mktsync demo (the first run on embedded defaults)', () => {
  it('starts its own Redis and emulator, feeds a stream, reports a consistent summary and cleans up', async () => {
    const run = await runCli(
      [
        'demo',
        '--changes',
        '3000',
        '--leads',
        '400',
        '--bursts',
        '3',
        '--burst-gap-ms',
        '50',
        '--no-latency',
        '--linger-ms',
        '200',
        '--json',
      ],
      {
        REDIS_URL: '',
        MARKETO_SOAP_ENDPOINT: '',
      },
    );
    expect(run.stderr).toContain('started a private Redis');
    expect(run.stderr).toContain('started the Marketo emulator');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.changesAccepted).toBeGreaterThanOrEqual(3000);
    expect(summary.changesRejected).toBe(0);
    expect(summary.outcomes.FAILED).toBeUndefined();
    const statuses = Object.values(summary.outcomes).reduce((a, b) => a + b, 0);
    expect(statuses).toBe(summary.recordsSent);
    expect(summary.recordsSent).toBeLessThan(summary.changesAccepted);
    expect(summary.calls).toBeGreaterThanOrEqual(summary.minimumCalls);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
  });

  it('--transport rest runs the whole demo over REST against the emulator: calls per group, token requests', async () => {
    const run = await runCli(
      [
        'demo',
        '--transport',
        'rest',
        '--changes',
        '3000',
        '--leads',
        '400',
        '--bursts',
        '3',
        '--burst-gap-ms',
        '50',
        '--no-latency',
        '--linger-ms',
        '200',
        '--json',
      ],
      { ...NO_MARKETO, REDIS_URL: inject('redisUrl') },
    );
    expect(run.stderr).toMatch(/started the Marketo emulator at http:\/\/127\.0\.0\.1:\d+, REST mode/);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.transport).toBe('rest');
    expect(summary.changesRejected).toBe(0);
    expect(summary.outcomes.FAILED).toBeUndefined();
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(summary.recordsSent);
    // Every group went over REST: leads, opportunities, person roles (linked by external key), programs,
    // and what hangs on the leads: custom activities, subscriptions, the trial list, the webinar.
    const groups = Object.keys(summary.byGroup);
    expect(groups.filter((g) => !/^[MS]:/.test(g)).sort()).toEqual([
      'A',
      'C:subscription_c:UPSERT',
      'L:Email',
      'O:Opportunity:UPSERT',
      'O:OpportunityPersonRole:INSERT',
      'O:Program:UPDATE',
    ]);
    expect(groups.filter((g) => g.startsWith('M:7002:'))).not.toEqual([]);
    expect(groups.filter((g) => g.startsWith('S:1001:'))).not.toEqual([]);
    for (const g of Object.values(summary.byGroup)) {
      expect(g.minimum).toBeGreaterThan(0);
      expect(g.calls).toBeGreaterThanOrEqual(g.minimum);
    }
    // One program per REST call: the demo's four programs need at least four calls.
    expect(summary.byGroup['O:Program:UPDATE']!.minimum).toBe(4);
    expect(summary.calls).toBe(Object.values(summary.byGroup).reduce((n, g) => n + g.calls, 0));
    expect(summary.minimumCalls).toBe(Object.values(summary.byGroup).reduce((n, g) => n + g.minimum, 0));
    // One token per worker (two workers; the emulator's tokens live an hour).
    expect(summary.tokenRequests).toBeGreaterThanOrEqual(1);
    expect(summary.tokenRequests).toBeLessThanOrEqual(2);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
  });

  it('--marketo --transport rest with a wrong client secret stops and says that authentication failed', async () => {
    const f = await startFixture({ rest: TEST_REST_CLIENT });
    try {
      const wrong = 'a-wrong-client-secret-0123456789';
      const run = await runCli(
        ['demo', '--marketo', '--transport', 'rest', '--changes', '300', '--leads', '50', '--bursts', '2'],
        {
          ...NO_MARKETO,
          REDIS_URL: inject('redisUrl'),
          MARKETO_REST_ENDPOINT: f.emulator.restEndpoint,
          MARKETO_CLIENT_ID: TEST_REST_CLIENT.clientId,
          MARKETO_CLIENT_SECRET: wrong,
        },
      );
      expect(run.stderr).toContain(`sending to ${new URL(f.emulator.restEndpoint).href} over REST`);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/authentication failed: Marketo refused the credentials/);
      expect(run.stderr).toContain('MARKETO_CLIENT_SECRET');
      expect(run.stderr).not.toContain(wrong);
      expect(f.emulator.leads.size).toBe(0);
    } finally {
      await f.close();
    }
  });

  it('--marketo --transport rest names the REST settings that are missing; an unknown transport is refused', async () => {
    const missing = await runCli(['demo', '--marketo', '--transport', 'rest'], {
      ...NO_MARKETO,
      REDIS_URL: inject('redisUrl'),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('MARKETO_REST_ENDPOINT is not set');
    const unknown = await runCli(['demo', '--transport', 'ftp'], NO_MARKETO);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--transport must be soap or rest, got "ftp"');
  });
});
