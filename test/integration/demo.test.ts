import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/demo/summary.js';
import { runCli } from '../helpers/cli.js';

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
});
