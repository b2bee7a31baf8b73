import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import { restCallAttempt, restOperation } from '../../src/rest/call-attempt.js';
import { createWorkerMetrics } from '../../src/metrics/worker-metrics.js';
import { RestTransport } from '../../src/rest/client.js';
import { MarketoCallError, type TransportCall } from '../../src/transport/contract.js';
import { sample } from '../helpers/exposition.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

let f: RestFixture | undefined;
let redis: Redis | undefined;
let transport: RestTransport | undefined;
afterEach(async () => {
  transport?.close();
  redis?.disconnect();
  await f?.close();
});

const leads = (n: number): TransportCall => ({
  group: { kind: 'lead', key: 'Email', dedupEnabled: true },
  records: Array.from({ length: n }, (_, i) => ({
    Email: `r${i}@example.com`,
    attributes: { FirstName: 'R' },
  })),
});

describe('worker metrics fed by the REST transport', () => {
  it('label every series transport="rest", name REST endpoints, count faults by code and token requests', async () => {
    f = await startRestFixture({ faults: { failNext: { calls: 1, effect: 20011 } } });
    transport = new RestTransport({
      endpoint: f.emulator.restEndpoint,
      clientId: f.clientId,
      clientSecret: f.clientSecret,
    });
    redis = new Redis(inject('redisUrl'));
    const metrics = createWorkerMetrics(new RedisBuffer(redis, freshPrefix()), 10_000, { transport: 'rest' });
    // What the worker does with a REST transport (see docs/operations.md, "Metrics").
    transport.reportAttempts(metrics.onCall);
    metrics.trackTokens(() => transport!.tokenStats);

    await expect(transport.send(leads(3))).rejects.toMatchObject({ code: '608' });
    await transport.send(leads(3));
    const text = await metrics.registry.metrics();

    const rest = (labels: string): string => (labels ? `${labels},transport="rest"` : 'transport="rest"');
    // The first request of the first call is Describe (the field names); the fault lands there.
    expect(sample(text, 'mktsync_calls_total', rest('operation="describeLeads",result="fault"'))).toBe(1);
    expect(sample(text, 'mktsync_calls_total', rest('operation="describeLeads",result="success"'))).toBe(1);
    expect(sample(text, 'mktsync_calls_total', rest('operation="syncLeads",result="success"'))).toBe(1);
    expect(sample(text, 'mktsync_call_faults_total', rest('code="608",category="transient"'))).toBe(1);
    expect(sample(text, 'mktsync_batch_records_sum', rest('operation="syncLeads"'))).toBe(3);
    expect(sample(text, 'mktsync_call_duration_seconds_count', rest('operation="syncLeads"'))).toBe(1);
    expect(sample(text, 'mktsync_token_requests_total', rest(''))).toBe(transport.tokenStats.requests);
    expect(transport.tokenStats.requests).toBeGreaterThan(0);
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(series.filter((l) => !/[{,]transport="rest"[,}]/.test(l))).toEqual([]);
    // Never the secret, never a token.
    expect(text).not.toContain(f.clientSecret);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text }).toString()).toBe('');
  });

  it('keeps the operation label bounded: program ids and unknown paths do not become label values', () => {
    expect(restOperation('/rest/asset/v1/program/1001.json')).toBe('updateProgram');
    expect(restOperation('/rest/asset/v1/program/99999.json')).toBe('updateProgram');
    expect(restOperation('/rest/v1/opportunities/roles.json')).toBe('syncOpportunityRoles');
    expect(restOperation('/rest/v1/companies.json')).toBe('syncCompanies');
    expect(restOperation('/rest/v1/companiesXjson')).toBe('other');
    expect(restOperation('/rest/v1/leads/describe2.json?x=1')).toBe('describeLeads');
    expect(restOperation('/rest/v1/something/12345.json')).toBe('other');
    // A lookup by key is a GET on a sync endpoint's path: named as the query it is.
    expect(restOperation('/rest/v1/opportunities.json?filterType=externalOpportunityId', 'GET')).toBe(
      'getOpportunities',
    );
    expect(restOperation('/rest/v1/opportunities/roles.json?filterType=x', 'GET')).toBe(
      'getOpportunityRoles',
    );
  });

  it('keeps the code label bounded: a code Marketo does not document is counted without it', () => {
    const attempt = (code: string) =>
      restCallAttempt({
        path: '/rest/v1/leads.json',
        records: 1,
        durationMs: 1,
        error: new MarketoCallError('x', { category: 'invalid-request', code, applied: 'not-applied' }),
      }).error?.code;
    expect(attempt('606')).toBe('606');
    expect(attempt('1234567890123')).toBeNull();
    expect(attempt('987')).toBeNull();
  });
});
