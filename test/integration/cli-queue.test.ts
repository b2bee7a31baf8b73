import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'mktsync-cliq-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

let p: PipelineFixture;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
  await p?.close();
});
const env = () => ({ REDIS_URL: inject('redisUrl'), MKTSYNC_PREFIX: p.prefix });

describe('mktsync enqueue', () => {
  it('streams NDJSON: accepts the good lines, names the bad ones, prints a summary', async () => {
    p = await startPipeline();
    const path = file(
      'leads.ndjson',
      [
        '{"Email":"a@example.com","attributes":{"City":"x"}}',
        'oops',
        '{"Email":"b@example.com","attributes":{"LeadScore":"high"}}',
        '',
        '{"attributes":{}}',
      ].join('\n'),
    );
    const run = await runCli(['enqueue', '--leads', path], env());
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'leads', lines: 4, accepted: 2, rejected: 2 });
    expect(run.stderr).toContain(`${path}:2: (record): not valid JSON`);
    expect(run.stderr).toContain(`${path}:5: (record): needs at least one key`);
    expect((await p.producer.buffer.stats()).waitingTotal).toBe(2);
  });

  it('reads CSV with key columns by name and the rest as attributes', async () => {
    p = await startPipeline();
    const leads = file(
      'leads.csv',
      'Email,FirstName,City,dedupEnabled\nann@example.com,Ann,"Köln, DE",\nbob@example.com,Bob,,false\n',
    );
    const run = await runCli(['enqueue', '--leads', leads], env());
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 2, accepted: 2, rejected: 0 });
    const objects = file(
      'opps.csv',
      'type,operation,externalKeyName,externalKeyValue,Name,Stage\nOpportunity,UPSERT,crmId,O-1,Deal,New\nOpportunity,FROB,crmId,O-2,X,Y\n',
    );
    const run2 = await runCli(['enqueue', '--mobjects', objects], env());
    expect(JSON.parse(run2.stdout)).toMatchObject({ accepted: 1, rejected: 1 });
    expect(run2.stderr).toMatch(/opps\.csv:3: operation: /);
    await p.startWorker();
    await p.drained();
    const ann = p.f.emulator.leads.all().find((l) => l.Email === 'ann@example.com')!;
    expect(ann.attributes).toEqual({ FirstName: 'Ann', City: 'Köln, DE' });
    expect(
      p.f.emulator.calls.since().find((c) => c.operation === 'syncMultipleLeads' && c.dedupEnabled === false)
        ?.recordCount,
    ).toBe(1);
  });
});

describe('mktsync dlq and outcomes', () => {
  it('lists a dead letter, redrives it after the cause is fixed, and prints outcomes', async () => {
    p = await startPipeline();
    await p.producer.enqueueLeads([
      { Email: 'good@example.com', attributes: { City: 'x' } },
      { Email: 'bad@example.com', attributes: { shoeSize: '44' } },
    ]);
    await p.startWorker();
    await p.drained();
    const list = await runCli(['dlq', 'list'], env());
    const dead = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dead).toEqual([
      expect.objectContaining({
        key: 'L:em:bad%40example.com',
        code: 20105,
        field: 'shoeSize',
        attempts: 1,
        record: expect.objectContaining({ Email: 'bad@example.com' }),
      }),
    ]);
    // The operator adds the field in Marketo, then redrives.
    p.f.emulator.configure({
      seed: { customLeadFields: ['shoeSize'], programs: [], tags: {}, companies: [] },
    });
    const redrive = await runCli(['dlq', 'redrive', '--key', 'L:em:bad%40example.com'], env());
    expect(JSON.parse(redrive.stdout)).toEqual({
      redriven: 1,
      keys: ['L:em:bad%40example.com'],
      notFound: [],
    });
    await p.drained();
    const outcome = await runCli(['outcomes', '--key', 'L:em:bad%40example.com'], env());
    expect(JSON.parse(outcome.stdout)).toMatchObject({ status: 'CREATED', attempt: 1 });
    expect((await runCli(['dlq', 'list'], env())).stdout).toBe('');
    const stream = await runCli(['outcomes'], env());
    const statuses = stream.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { status: string }).status);
    expect(statuses.sort()).toEqual(['CREATED', 'CREATED', 'FAILED']);
    const failed = await runCli(['outcomes', '--status', 'FAILED'], env());
    expect(failed.stdout.trim().split('\n')).toHaveLength(1);
    expect((await runCli(['dlq', 'redrive'], env())).code).toBe(2);
  });
});

describe('mktsync worker process', () => {
  it('serves /livez and /readyz, turns unready when authentication fails, and stops gracefully on SIGTERM', async () => {
    p = await startPipeline();
    const worker = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      ...env(),
      MARKETO_SOAP_ENDPOINT: p.f.emulator.endpoint,
      MARKETO_USER_ID: p.f.credentials.userId,
      MARKETO_ENCRYPTION_KEY: 'not-the-key',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LINGER_MS: '20',
    });
    stops.push(worker.stop);
    const url = String(worker.line.url);
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await p.producer.enqueueLeads([{ Email: 'x@example.com', attributes: {} }]);
    let ready: Response | undefined;
    for (let i = 0; i < 100; i++) {
      ready = await fetch(`${url}/readyz`);
      if (ready.status === 503) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready!.status).toBe(503);
    expect(await ready!.json()).toMatchObject({
      ready: false,
      reason: expect.stringMatching(/authentication failed \(20014\)/),
    });
    // No item was burnt: once its batch settles, the change waits for sending again, with no attempt counted.
    let stats = await p.producer.buffer.stats();
    for (let i = 0; i < 100 && stats.inFlight > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stats = await p.producer.buffer.stats();
    }
    expect(stats.waitingTotal).toBe(1);
    expect(stats.deadLetters).toBe(0);
    // It stops because nothing is in flight, not because its shutdown timeout ran out: its log says
    // which, whatever the machine's speed.
    const lines: Record<string, unknown>[] = [];
    const log = createInterface({ input: worker.child.stdout! });
    log.on('line', (text) => {
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    });
    const logEnded = once(log, 'close');
    expect(await worker.stop()).toBe(0);
    await logEnded;
    const said = lines.map((l) => l.msg);
    expect(said).toContain('worker stopped');
    expect(said).not.toContain('shutdown timeout: abandoning calls in flight');
  });

  it('refuses to start with invalid settings, naming the variable', async () => {
    p = await startPipeline();
    const run = await runCli(['worker'], {
      ...env(),
      MKTSYNC_LINGER_MS: 'soon',
      MKTSYNC_MAX_LEADS_PER_CALL: '500',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /MKTSYNC_LINGER_MS must be a number; MKTSYNC_MAX_LEADS_PER_CALL must be at most 300/,
    );
  });
});
