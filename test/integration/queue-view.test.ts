import { afterEach, describe, expect, it } from 'vitest';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

const TOKEN = 'queue-view-token-0123456789';
let p: PipelineFixture;
afterEach(() => p?.close());

describe('the operators’ queue view on the worker port', () => {
  it('shows the buffer and dead letters behind the ingest token, read-only unless enabled', async () => {
    p = await startPipeline();
    await p.producer.enqueueLeads([
      { Email: 'ok@example.com', attributes: {} },
      { Email: 'bad@example.com', attributes: { nope: 'x' } },
    ]);
    const worker = await p.startWorker({}, { MKTSYNC_INGEST_TOKEN: TOKEN });
    await p.drained();
    expect((await fetch(`${worker.url}/queue.json`)).status).toBe(401);
    const view = (await (
      await fetch(`${worker.url}/queue.json`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as Record<string, never>;
    expect(view).toMatchObject({
      inFlight: 0,
      deadLetters: { total: 1, oldest: [{ key: 'L:em:bad%40example.com', code: 20105 }] },
    });
    const html = await fetch(`${worker.url}/queue`, {
      headers: { Authorization: `Basic ${Buffer.from(`ops:${TOKEN}`).toString('base64')}` },
    });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('Dead letters (1)');
    const redrive = await fetch(`${worker.url}/queue/redrive?key=L:em:bad%2540example.com`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(redrive.status).toBe(403);
  });

  it('is off without a token', async () => {
    p = await startPipeline();
    const worker = await p.startWorker();
    expect((await fetch(`${worker.url}/queue`)).status).toBe(404);
  });
});
