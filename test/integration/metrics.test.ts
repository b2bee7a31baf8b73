import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startIngestServer } from '../../src/producer/ingest-server.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
afterEach(() => p?.close());

const sample = (text: string, name: string, labels = ''): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  if (!line) throw new Error(`no sample ${name}{${labels}} in:\n${text.slice(0, 2000)}`);
  return Number(line.split(' ').at(-1));
};

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
    expect(sample(text, 'mktsync_outcomes_total', 'status="CREATED"')).toBe(5);
    expect(sample(text, 'mktsync_outcomes_total', 'status="FAILED"')).toBe(0);
    expect(sample(text, 'mktsync_soap_calls_total', 'operation="syncMultipleLeads",result="fault"')).toBe(1);
    expect(sample(text, 'mktsync_soap_calls_total', 'operation="syncMultipleLeads",result="success"')).toBe(
      1,
    );
    expect(sample(text, 'mktsync_soap_faults_total', 'code="20011",category="transient"')).toBe(1);
    expect(sample(text, 'mktsync_retries_total', 'category="transient"')).toBe(5);
    expect(sample(text, 'mktsync_batch_records_sum', 'operation="syncMultipleLeads"')).toBe(10);
    expect(sample(text, 'mktsync_outcome_latency_seconds_count')).toBe(5);
    expect(sample(text, 'mktsync_records_waiting', 'group="L"')).toBe(0);
    expect(sample(text, 'mktsync_quota_calls_today')).toBe(2);
    expect(sample(text, 'mktsync_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(sample(text, 'mktsync_buffer_changes_coalesced')).toBe(1);
    expect(sample(text, 'mktsync_dead_letters')).toBe(0);
    expect(text).toContain('mktsync_process_resident_memory_bytes');
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
