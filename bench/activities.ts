import { Redis } from 'ioredis';
import { createProducer } from '../src/producer/producer.js';
import { startWorker } from '../src/worker/worker.js';
import {
  callLog,
  configure,
  dropPrefix,
  freshPrefix,
  REST_CLIENT_ID,
  REST_CLIENT_SECRET,
  settingsOver,
  waitDrained,
  type BenchEmulator,
} from './harness.js';

/**
 * Custom activities for leads named by email, over REST: `events` activities for `leads` leads (ten
 * each by default), a third of the leads new and created by lead changes in the same stream, the rest
 * already in Marketo. A worker at its defaults runs while the stream is offered; the emulator at
 * Marketo's limits. Judged: every activity on the right lead, and the calls against the minimum, each
 * kind at its floor: ceil(activities / 300) Add Custom Activities + ceil(existing leads / 300) lookups
 * + ceil(new leads / 300) Sync Leads. The naive baseline is one call per event.
 */

/** The stream: each new lead's change before its first activity; activities shuffled deterministically. */
function streamPlan(events: number, leads: number, fresh: number) {
  const activities: number[] = [];
  for (let n = 0; n < events; n++) activities.push(n);
  for (let i = activities.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1);
    [activities[i], activities[j]] = [activities[j]!, activities[i]!];
  }
  const leadOf = (n: number): number => n % leads;
  const isNew = (lead: number): boolean => lead % 3 === 0 && lead / 3 < fresh;
  return { activities, leadOf, isNew };
}

const email = (lead: number): string => `act${lead}@example.com`;

async function token(emulator: BenchEmulator): Promise<string> {
  const url = new URL(`${emulator.url}/identity/oauth/token`);
  url.search = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: REST_CLIENT_ID,
    client_secret: REST_CLIENT_SECRET,
  }).toString();
  return ((await (await fetch(url)).json()) as { access_token: string }).access_token;
}

export async function benchActivities(
  redisUrl: string,
  emulator: BenchEmulator,
  events: number,
  leads: number,
  fresh: number,
) {
  const redis = new Redis(redisUrl);
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  // The leads Marketo already has, written before the measured stream.
  const bearer = await token(emulator);
  const existing = Array.from({ length: leads }, (_, i) => i).filter((i) => !(i % 3 === 0 && i / 3 < fresh));
  for (let i = 0; i < existing.length; i += 300)
    await fetch(`${emulator.url}/rest/v1/leads.json`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: existing.slice(i, i + 300).map((l) => ({ email: email(l) })) }),
    });
  const before = (await callLog(emulator.url)).length;
  await configure(emulator.url, { limits: { rateCalls: 100, concurrency: 10, dailyQuota: null } });

  const plan = streamPlan(events, leads, fresh);
  const prefix = freshPrefix();
  const producer = await createProducer({ url: redisUrl, prefix, transport: 'rest' });
  const worker = await startWorker(settingsOver(redisUrl, emulator, prefix, 'rest'), { http: false });
  const started = performance.now();
  const announced = new Set<number>();
  for (let i = 0; i < plan.activities.length; i += 1000) {
    const part = plan.activities.slice(i, i + 1000);
    const newLeads = [...new Set(part.map(plan.leadOf))].filter((l) => plan.isNew(l) && !announced.has(l));
    for (const l of newLeads) announced.add(l);
    if (newLeads.length > 0)
      await producer.enqueueLeads(
        newLeads.map((l) => ({ Email: email(l), attributes: { FirstName: `New ${l}` } })),
      );
    const result = await producer.enqueueActivities(
      part.map((n) => ({
        lead: { Email: email(plan.leadOf(n)) },
        activityType: 'trialStarted',
        activityDate: new Date(Date.UTC(2026, 11, 7, 0, 0, n % 86_400)).toISOString(),
        primaryAttributeValue: `event-${n}`,
        attributes: { seats: n % 50 },
      })),
    );
    if (result.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(result.rejected[0])}`);
  }
  const streamMs = performance.now() - started;
  await waitDrained(redis, prefix);
  const drainMs = performance.now() - started;
  await worker.stop();
  await producer.close();

  const log = (await callLog(emulator.url)).slice(before);
  const ok = (operation: string) => log.filter((c) => c.operation === operation && c.status === 'ok').length;
  const activityCalls = ok('addCustomActivities');
  const lookupCalls = ok('queryLeads');
  const leadCalls = ok('syncLeads');
  const typeCalls = ok('getActivityTypes');
  // Every activity on the right lead, exactly once.
  const logged = (await (await fetch(`${emulator.url}/_emulator/activities`)).json()) as {
    leadId: number;
    primaryAttributeValue: string;
  }[];
  const emulated = (await (await fetch(`${emulator.url}/_emulator/leads`)).json()) as {
    id: number;
    Email?: string;
  }[];
  const idOf = new Map(emulated.map((l) => [l.Email?.toLowerCase(), l.id]));
  const seen = new Set<string>();
  let wrongLead = 0;
  for (const a of logged) {
    const n = Number(a.primaryAttributeValue.slice('event-'.length));
    if (idOf.get(email(plan.leadOf(n))) !== a.leadId) wrongLead++;
    seen.add(a.primaryAttributeValue);
  }
  await dropPrefix(redis, `{${prefix}}*`);
  redis.disconnect();
  await configure(emulator.url, { limits: { rateCalls: null, concurrency: null, dailyQuota: null } });
  const minimum = Math.ceil(events / 300) + Math.ceil(existing.length / 300) + Math.ceil(fresh / 300);
  const calls = activityCalls + lookupCalls + leadCalls;
  return {
    events,
    leads,
    newLeads: fresh,
    logged: logged.length,
    distinctLogged: seen.size,
    wrongLead,
    activityCalls,
    lookupCalls,
    leadCalls,
    typeCalls,
    calls,
    minimum,
    callsPerMinimum: calls / minimum,
    naiveCalls: events,
    streamMs: Math.round(streamMs),
    drainMs: Math.round(drainMs),
  };
}
