import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { createProducer } from '../../src/producer/producer.js';
import { readInstances } from '../../src/config.js';
import { runCli, startCli } from '../helpers/cli.js';
import { INSTANCE_WORKER_ENV, startInstances, type InstancesFixture } from '../helpers/instances.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { sample } from '../helpers/exposition.js';
import { until } from '../helpers/until.js';

let fixture: InstancesFixture | undefined;
let stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
  await fixture?.close();
  fixture = undefined;
});

const emails = (leads: readonly EmulatedLead[]): string[] =>
  leads.map((l) => (l.Email ?? (l.attributes.Email as string)).toLowerCase()).sort();

describe('two Marketo instances in one deployment', () => {
  it('routes each record to its instance end to end, outcomes per instance, an unknown instance refused', async () => {
    fixture = await startInstances({ a: 'rest', b: 'soap' }, { defaultInstance: 'a' });
    const prefix = freshPrefix();
    const env = {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: prefix,
      ...fixture.env,
      ...INSTANCE_WORKER_ENV,
    };
    const worker = await startCli(['worker'], (l) => l.msg === 'worker ready', env);
    stops.push(worker.stop);
    const ingest = await startCli(['ingest', '--port', '0'], (l) => l.msg === 'ingest server listening', {
      ...env,
      MKTSYNC_INGEST_AUTH: 'off',
      MKTSYNC_INGEST_HOST: '127.0.0.1',
    });
    stops.push(ingest.stop);
    const url = ingest.line.url as string;
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const leads = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        Email: `${tag}${i}@example.com`,
        attributes: { City: `${tag}-${i}` },
      }));

    expect((await post('/v1/instances/a/leads', leads('a', 20))).status).toBe(202);
    expect((await post('/v1/instances/b/leads', leads('b', 15))).status).toBe(202);
    // The old path writes to the file's default instance.
    expect((await post('/v1/leads', leads('d', 3))).status).toBe(202);
    const unknown = await post('/v1/instances/zzz/leads', leads('z', 1));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/unknown instance \\?"zzz\\?"; this deployment has a, b/);

    // A file written with `mktsync enqueue --instance b`.
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-inst-'));
    writeFileSync(
      join(dir, 'b.ndjson'),
      leads('e', 2)
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    const enqueued = await runCli(['enqueue', '--instance', 'b', '--leads', join(dir, 'b.ndjson')], env);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    const refused = await runCli(['enqueue', '--instance', 'nope', '--leads', join(dir, 'b.ndjson')], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unknown instance "nope"; this deployment has a, b/);

    const a = fixture.emulator.instance('a');
    const b = fixture.emulator.instance('b');
    await until('both instances hold their leads', () => a.leads.size === 23 && b.leads.size === 17);
    expect(emails(a.leads.all() as EmulatedLead[])).toEqual(
      [...leads('a', 20), ...leads('d', 3)].map((l) => l.Email).sort(),
    );
    expect(emails(b.leads.all() as EmulatedLead[])).toEqual(
      [...leads('b', 15), ...leads('e', 2)].map((l) => l.Email).sort(),
    );
    // Each instance was called over its own transport, with its own credentials.
    expect(a.calls.since().every((c) => c.transport === 'rest')).toBe(true);
    expect(b.calls.since().every((c) => c.transport === 'soap')).toBe(true);

    // Outcomes per instance, through the commands.
    const outcomesOf = async (instance: string): Promise<{ key: string; status: string }[]> => {
      const run = await runCli(['outcomes', '--instance', instance], env);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { key: string; status: string });
    };
    await until('every outcome written', async () => (await outcomesOf('b')).length === 17);
    const outA = await outcomesOf('a');
    expect(outA).toHaveLength(23);
    expect(outA.every((o) => o.status === 'CREATED' && /^L:em:[ad]\d+%40/.test(o.key))).toBe(true);
    expect((await outcomesOf('b')).every((o) => /^L:em:[be]\d+%40/.test(o.key))).toBe(true);
    const noSuch = await runCli(['outcomes', '--instance', 'zzz'], env);
    expect(noSuch.code).not.toBe(0);
    expect(noSuch.stderr).toMatch(/unknown instance "zzz"/);

    // Each instance's keys under its own hash tag.
    const redis = new Redis(inject('redisUrl'));
    try {
      expect(await redis.exists(`{${prefix}:a}:outcomes`, `{${prefix}:b}:outcomes`)).toBe(2);
      expect(await redis.exists(`{${prefix}}:outcomes`)).toBe(0);
    } finally {
      redis.disconnect();
    }

    // Metrics: every worker series carries its instance; the ingest's too.
    const workerMetrics = await (await fetch(`${worker.line.url as string}/metrics`)).text();
    expect(
      sample(
        workerMetrics,
        'mktsync_outcomes_total',
        'status="CREATED",transport="rest",marketo_instance="a"',
      ),
    ).toBe(23);
    expect(
      sample(
        workerMetrics,
        'mktsync_outcomes_total',
        'status="CREATED",transport="soap",marketo_instance="b"',
      ),
    ).toBe(17);
    expect(workerMetrics.match(/^# TYPE mktsync_outcomes_total /gm)).toHaveLength(1);
    const ingestMetrics = await (await fetch(`${url}/metrics`)).text();
    expect(sample(ingestMetrics, 'mktsync_changes_accepted_total', 'kind="leads",marketo_instance="a"')).toBe(
      23,
    );
    expect(sample(ingestMetrics, 'mktsync_changes_accepted_total', 'kind="leads",marketo_instance="b"')).toBe(
      15,
    );
    expect(ingestMetrics).not.toContain('zzz');
  });

  it('activities, memberships and custom objects go to the instance their path names; a SOAP instance refuses them', async () => {
    fixture = await startInstances({ a: 'rest', b: 'soap' }, { defaultInstance: 'a' });
    const env = {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: freshPrefix(),
      ...fixture.env,
      ...INSTANCE_WORKER_ENV,
    };
    const worker = await startCli(['worker'], (l) => l.msg === 'worker ready', env);
    stops.push(worker.stop);
    const ingest = await startCli(['ingest', '--port', '0'], (l) => l.msg === 'ingest server listening', {
      ...env,
      MKTSYNC_INGEST_AUTH: 'off',
      MKTSYNC_INGEST_HOST: '127.0.0.1',
    });
    stops.push(ingest.stop);
    const url = ingest.line.url as string;
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const a = fixture.emulator.instance('a');
    const lead = a.leads.create({ Email: 'm@example.com' });
    const activity = {
      lead: { Email: 'm@example.com' },
      activityType: 'trialStarted',
      activityDate: '2026-12-07T10:00:00Z',
      primaryAttributeValue: 'pro',
    };
    expect((await post('/v1/instances/a/activities', [activity])).status).toBe(202);
    expect(
      (
        await post('/v1/instances/a/memberships', [
          { listId: 7001, lead: { Id: lead.id }, action: 'ADD' },
          { programId: 1001, lead: { Id: lead.id }, status: 'Registered' },
        ])
      ).status,
    ).toBe(202);
    expect(
      (
        await post('/v1/instances/a/mobjects', [
          {
            apiName: 'subscription_c',
            operation: 'UPSERT',
            keys: { subscriptionId: 'SUB-m' },
            lead: { Email: 'm@example.com' },
          },
        ])
      ).status,
    ).toBe(202);
    // Instance b speaks SOAP: the same changes are refused there, naming the field.
    const refused = await post('/v1/instances/b/memberships', [
      { listId: 7001, lead: { Id: lead.id }, action: 'ADD' },
    ]);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('listId');
    await until(
      'instance a holds the activity, the memberships and the subscription',
      () =>
        a.activities.all().length === 1 &&
        a.memberships
          .view()
          .lists.find((l) => l.id === 7001)
          ?.members.includes(lead.id) === true &&
        a.memberships.view().programs.some((p) => p.id === 1001) &&
        a.customObjects.list('subscription_c').length === 1,
    );
    expect(a.activities.all()[0]!.leadId).toBe(lead.id);
    const b = fixture.emulator.instance('b');
    expect(b.calls.since()).toEqual([]);
  });

  it('data queued by a deployment configured by the environment drains after the upgrade, also after moving to a file', async () => {
    fixture = await startInstances(
      { a: 'rest', b: 'rest' },
      { extra: { a: { legacyKeys: true } }, defaultInstance: 'a' },
    );
    const prefix = freshPrefix();
    // Written as the release before instances writes: one prefix, no instance.
    const old = await createProducer({ url: inject('redisUrl'), prefix, transport: 'rest' });
    const accepted = await old.enqueueLeads(
      Array.from({ length: 40 }, (_, i) => ({ Email: `old${i}@example.com`, attributes: { City: 'x' } })),
    );
    expect(accepted.accepted).toHaveLength(40);
    const redis = new Redis(inject('redisUrl'));
    stops.push(async () => redis.disconnect());
    expect(await redis.get(`{${prefix}}:seq`)).toBe('40');

    // First: the same environment-only configuration, upgraded (no file): the one instance, default.
    const a = fixture.emulator.instance('a');
    const envOnly = {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: prefix,
      ...INSTANCE_WORKER_ENV,
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: a.restEndpoint,
      MARKETO_CLIENT_ID: 'client-a',
      MARKETO_CLIENT_SECRET: fixture.env.TEST_SECRET_A!,
    };
    expect(readInstances(envOnly).get('default').prefix).toBe(prefix);
    const first = await startCli(['worker'], (l) => l.msg === 'worker ready', envOnly);
    await until('the first half drained', () => a.leads.size === 40);
    await first.stop();
    expect(await old.getOutcome('L:em:old0%40example.com')).toMatchObject({ status: 'CREATED' });

    // Then: more queued the old way, and the deployment moves to a file whose instance a keeps the keys.
    await old.enqueueLeads(
      Array.from({ length: 10 }, (_, i) => ({ Email: `later${i}@example.com`, attributes: { City: 'y' } })),
    );
    await old.close();
    const worker = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: prefix,
      ...fixture.env,
      ...INSTANCE_WORKER_ENV,
    });
    stops.push(worker.stop);
    await until('the later ones drained through the file instance', () => a.leads.size === 50);
    expect(fixture.emulator.instance('b').leads.size).toBe(0);
  });
});
