import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startIngestServer } from '../../src/producer/ingest-server.js';
import { sample } from '../helpers/exposition.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

describe('/metrics', () => {
  it('the worker counts calls, outcomes, batch sizes and faults, and reports the shared buffer state', async () => {
    p = await startPipeline({ faults: { failNext: { calls: 1, effect: 20011 } } });
    await p.producer.enqueueLeads(
      Array.from({ length: 5 }, (_, i) => ({ Email: `m${i}@example.com`, attributes: { City: 'x' } })),
    );
    await p.producer.enqueueLeads([{ Email: 'm0@example.com', attributes: { City: 'y' } }]);
    const worker = await p.startWorker();
    await p.drained();
    const text = await (await fetch(`${worker.url}/metrics`)).text();
    expect(sample(text, 'mktsync_outcomes_total', 'status="CREATED",transport="soap"')).toBe(5);
    expect(sample(text, 'mktsync_outcomes_total', 'status="FAILED",transport="soap"')).toBe(0);
    expect(
      sample(text, 'mktsync_calls_total', 'operation="syncMultipleLeads",result="fault",transport="soap"'),
    ).toBe(1);
    expect(
      sample(text, 'mktsync_calls_total', 'operation="syncMultipleLeads",result="success",transport="soap"'),
    ).toBe(1);
    expect(
      sample(text, 'mktsync_call_faults_total', 'code="20011",category="transient",transport="soap"'),
    ).toBe(1);
    expect(sample(text, 'mktsync_retries_total', 'category="transient",transport="soap"')).toBe(5);
    expect(sample(text, 'mktsync_batch_records_sum', 'operation="syncMultipleLeads",transport="soap"')).toBe(
      10,
    );
    expect(sample(text, 'mktsync_outcome_latency_seconds_count', 'transport="soap"')).toBe(5);
    expect(sample(text, 'mktsync_records_waiting', 'group="L",kind="lead",transport="soap"')).toBe(0);
    expect(sample(text, 'mktsync_quota_calls_today', 'transport="soap"')).toBe(2);
    expect(sample(text, 'mktsync_last_success_timestamp_seconds', 'transport="soap"')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(sample(text, 'mktsync_buffer_changes_coalesced', 'transport="soap"')).toBe(1);
    expect(sample(text, 'mktsync_dead_letters', 'transport="soap"')).toBe(0);
    expect(text).toContain('mktsync_process_resident_memory_bytes{transport="soap"}');
    // Every series of a worker over SOAP carries transport="soap", given once when the metrics are made.
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(series.length).toBeGreaterThan(50);
    expect(series.filter((l) => !/[{,]transport="soap"[,}]/.test(l))).toEqual([]);
    // No SOAP-specific names remain.
    expect(text).not.toMatch(/mktsync_soap_/);
    // No per-record or per-email labels, and never a secret.
    expect(text).not.toMatch(/@example\.com|L:em:/);
    expect(text).not.toContain(p.f.credentials.encryptionKey);
    // The exposition passes Prometheus's own linter.
    const lint = execFileSync('promtool', ['check', 'metrics'], { input: text }).toString();
    expect(lint).toBe('');
  });

  it('the ingest server counts accepted, rejected and coalesced changes', async () => {
    p = await startPipeline();
    const server = await startIngestServer({ producer: p.producer, authDisabled: true });
    try {
      const post = (body: unknown) =>
        fetch(`${server.url}/v1/leads`, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' },
        });
      await post([
        { Email: 'a@example.com', attributes: {} },
        { Email: 'a@example.com', attributes: { City: 'x' } },
      ]);
      await post([{ Email: 'b@example.com', attributes: {} }, { attributes: {} }]);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'mktsync_changes_accepted_total', 'kind="leads"')).toBe(2);
      expect(sample(text, 'mktsync_changes_coalesced_total', 'kind="leads"')).toBe(1);
      expect(sample(text, 'mktsync_changes_rejected_total', 'kind="leads"')).toBe(2);
      expect(sample(text, 'mktsync_ingest_requests_total', 'path="/v1/leads",status="400"')).toBe(1);
      expect(execFileSync('promtool', ['check', 'metrics'], { input: text }).toString()).toBe('');
    } finally {
      await server.close();
    }
  });
});
