import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { reconcileQueue } from '../../src/reconcile/reconcile-queue.js';
import { processRun } from '../../src/reconcile/run-processor.js';
import { upsertSchedule } from '../../src/reconcile/schedules.js';
import { freePort } from '../helpers/redis-server.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

const DEPLOY = resolve(import.meta.dirname, '../../deploy');
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/dashboards/mktsync.json'), 'utf8')) as {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; allValue?: string }[] };
};
/** `expr` as Grafana sends it with every template variable set to "All". */
const withAll = (expr: string): string =>
  dashboard.templating.list.reduce(
    (e, v) => e.replaceAll(`\${${v.name}}`, v.allValue ?? '.*').replaceAll(`$${v.name}`, v.allValue ?? '.*'),
    expr,
  );
const rules = (
  parse(readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  }
).groups.flatMap((g) => g.rules);

let p: PipelineFixture;
let ingest: IngestServer;
let prometheus: ChildProcess;
let promUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'mktsync-prom-'));

async function query(
  expr: string,
): Promise<{ status: string; data?: { result: unknown[] }; error?: string }> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as { status: string; data?: { result: unknown[] }; error?: string };
}

beforeAll(async () => {
  p = await startPipeline({ faults: { latency: { minMs: 5, maxMs: 30 } } });
  const worker = await p.startWorker({}, { MKTSYNC_LINGER_MS: '100' });
  ingest = await startIngestServer({ producer: p.producer, authDisabled: true });
  copyFileSync(join(DEPLOY, 'prometheus/alerts.yml'), join(dir, 'alerts.yml'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      `  - { job_name: mktsync-worker, static_configs: [{ targets: ['${new URL(worker.url!).host}'] }] }`,
      `  - { job_name: mktsync-ingest, static_configs: [{ targets: ['${new URL(ingest.url).host}'] }] }`,
    ].join('\n'),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 200; i++) {
    const ready = await fetch(`${promUrl}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // A load with a few faults, spread over several scrapes.
  for (let round = 0; round < 6; round++) {
    if (round === 2)
      p.f.emulator.configure({
        faults: { failNext: { calls: 2, effect: 20011 }, throttleBurst: { calls: 1, code: 20023 } },
      });
    const leads: { Email: string; attributes: Record<string, string> }[] = Array.from(
      { length: 400 },
      (_, i) => ({ Email: `p${(round * 400 + i) % 900}@example.com`, attributes: { City: `c${round}` } }),
    );
    // A bad mapping: a field Marketo does not know (the field-refused panel and alert read it).
    if (round === 3) leads.push({ Email: 'unmapped@example.com', attributes: { UnmappedField: 'x' } });
    await fetch(`${ingest.url}/v1/leads`, {
      method: 'POST',
      body: JSON.stringify(leads),
      headers: { 'Content-Type': 'application/json' },
    });
    await fetch(`${ingest.url}/v1/mobjects`, {
      method: 'POST',
      body: JSON.stringify([
        {
          type: 'Opportunity',
          operation: 'UPSERT',
          externalKey: { name: 'k', value: `O-${round}` },
          attributes: { Stage: 'New' },
        },
      ]),
      headers: { 'Content-Type': 'application/json' },
    });
    await new Promise((r) => setTimeout(r, 1000));
  }
  await p.drained(30_000);
  // A reconcile run and a schedule, so that the reconciliation panels and alert have series.
  const exportFile = join(dir, 'export.ndjson');
  writeFileSync(exportFile, '{"Email":"rc1@example.com","attributes":{"City":"x"}}\n');
  const data = { kind: 'leads', source: exportFile, set: 'nightly', full: false } as const;
  await processRun(
    { id: 'e2e', data, progress: async () => {} },
    { redis: p.redis, producer: p.producer, prefix: p.prefix },
  );
  const queue = reconcileQueue(p.redis, p.prefix);
  await upsertSchedule(queue, p.redis, p.prefix, 'nightly', { cron: '0 2 * * *' }, data);
  await queue.close();
  await new Promise((r) => setTimeout(r, 3000));
}, 90_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await ingest?.close();
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping a worker and an ingest server under load', () => {
  const exprs = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => [panel.title, t.expr] as const),
  );

  it('the transport variable selects soap, rest or both, and the calls panel follows it', async () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'transport');
    expect(variable).toMatchObject({ allValue: '.*' });
    const calls = exprs.find(([, e]) => e.includes('mktsync_calls_total'))![1];
    const soap = await query(withAll(calls.replaceAll('$transport', 'soap')));
    expect(soap.data!.result.length).toBeGreaterThan(0);
    expect(
      new Set((soap.data!.result as { metric: { transport: string } }[]).map((r) => r.metric.transport)),
    ).toEqual(new Set(['soap']));
    const rest = await query(withAll(calls.replaceAll('$transport', 'rest')));
    expect(rest.data!.result).toEqual([]);
  });

  it('every per-process worker series a panel reads is filtered by $transport', () => {
    // Shared gauges (the buffer's and the reconcile runs' state in Redis, the same for every worker),
    // the ingest server's series and up are not per transport.
    const unfiltered = new Set([
      'mktsync_records_waiting',
      'mktsync_group_oldest_waiting_age_seconds',
      'mktsync_records_in_flight',
      'mktsync_calls_in_flight',
      'mktsync_oldest_waiting_age_seconds',
      'mktsync_dead_letters',
      'mktsync_quota_calls_today',
      'mktsync_quota_calls_limit',
      'mktsync_last_success_timestamp_seconds',
      'mktsync_sending_stopped',
      'mktsync_changes_accepted_total',
      'mktsync_changes_coalesced_total',
      'mktsync_process_start_time_seconds',
    ]);
    const missing = exprs.flatMap(([title, expr]) =>
      [...expr.matchAll(/\b(mktsync_[a-z0-9_]+)(\{[^}]*\})?/g)]
        .filter((m) => !unfiltered.has(m[1]!) && !m[1]!.startsWith('mktsync_reconcile_'))
        .filter((m) => !(m[2] ?? '').includes('transport=~"$transport"'))
        .map((m) => `${title}: ${m[0]}`),
    );
    expect(missing).toEqual([]);
  });

  it('every mktsync series a panel reads is filtered by the Marketo instance picker', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'marketo_instance');
    expect(variable).toMatchObject({ allValue: '.*' });
    const missing = exprs.flatMap(([title, expr]) =>
      [...expr.matchAll(/\b(mktsync_[a-z0-9_]+)(\{[^}]*\})?/g)]
        .filter((m) => !(m[2] ?? '').includes('marketo_instance=~"$marketo_instance"'))
        .map((m) => `${title}: ${m[0]}`),
    );
    expect(missing).toEqual([]);
  });

  it('scrapes both targets', async () => {
    const up = await query('up');
    expect(
      (up.data!.result as { metric: { job: string }; value: [number, string] }[])
        .map((r) => [r.metric.job, r.value[1]])
        .sort(),
    ).toEqual([
      ['mktsync-ingest', '1'],
      ['mktsync-worker', '1'],
    ]);
  });

  it.each(exprs)('dashboard panel "%s" returns data for %s', async (_title, expr) => {
    const answer = await query(withAll(expr));
    expect(answer.status, answer.error).toBe('success');
    expect(answer.data!.result.length).toBeGreaterThan(0);
  });

  it.each(rules.map((r) => [r.alert, r.expr] as const))(
    'alert %s is valid and every series it reads exists: %s',
    async (_name, expr) => {
      const answer = await query(expr);
      expect(answer.status, answer.error).toBe('success');
      const selectors = [...expr.matchAll(/\b(mktsync_[a-z_]+|up)\b(\{[^}]*\})?/g)].map((m) => m[0]);
      expect(selectors.length).toBeGreaterThan(0);
      for (const selector of selectors) {
        const count = await query(`count(${selector})`);
        expect(count.data!.result.length, selector).toBeGreaterThan(0);
      }
    },
  );

  it('a field Marketo refused fires MktsyncFieldRefused naming the field', async () => {
    const firing = await query('ALERTS{alertname="MktsyncFieldRefused", alertstate="firing"}');
    expect(
      (firing.data?.result as { metric: { field: string } }[] | undefined)?.map((r) => r.metric.field),
    ).toEqual(['UnmappedField']);
  });

  it('promtool checks and unit-tests the alert rules', () => {
    expect(
      execFileSync('promtool', ['check', 'rules', join(DEPLOY, 'prometheus/alerts.yml')]).toString(),
    ).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    expect(
      execFileSync('promtool', ['test', 'rules', join(DEPLOY, 'prometheus/alerts.test.yml')]).toString(),
    ).toMatch(/SUCCESS/);
  });
});
