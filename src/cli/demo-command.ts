import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readWorkerSettings } from '../config.js';
import { demoEmulator, demoTransport, realMarketo, type DemoMarketo } from '../demo/demo-marketo.js';
import { demoStream, seededRandom } from '../demo/demo-stream.js';
import { memberBurst } from '../demo/demo-members.js';
import { startPrivateRedis, type PrivateRedis } from '../demo/private-redis.js';
import { summarize, type RunSummary } from '../demo/summary.js';
import type { Emulator } from '../emulator/index.js';
import { createLogger, silentLogger } from '../log.js';
import type { MObjectChange } from '../producer/changes.js';
import { createProducer } from '../producer/producer.js';
import { safeUrl } from '../safe-url.js';
import { startWorker, type Worker } from '../worker/worker.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { wireOf } from '../wire/registry.js';
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_ENCRYPTION_KEY,
  DEMO_USER_ID,
  MARKETO_LIKE_LATENCY,
} from './emulator-command.js';
import { UsageError } from './usage-error.js';
import { runInstancesDemo } from './demo-instances.js';
import { DEMO_CONSOLE_HELP, serveDemoConsole } from './demo-console.js'; // console

export const DEMO_HELP = `mktsync demo: run the whole pipeline on a realistic stream and report what happened

With nothing configured it starts a private Redis (installing redis-server from Debian's packages
when it is missing and it may), the built-in Marketo emulator with Marketo's limits and latency, and
two workers; feeds bursts of lead activity, new Opportunities with their person roles and program
costs; shows live progress; and ends with a summary. Everything it started is stopped at the end.

Options:
  --changes N          changes to feed (default 20000)
  --leads N            distinct leads (default 3000)
  --bursts N           bursts of activity (default 10), --burst-gap-ms M apart (default 400)
  --workers N          workers (default 2)
  --linger-ms MS       batch linger (default 1000)
  --redis-url URL      use this Redis (default: REDIS_URL, else a private one)
  --transport soap|rest  the API to send through (default soap; with --marketo: MARKETO_TRANSPORT, else
                       the endpoint that is set). REST uses the emulator's REST mode and its demo client
  --marketo            send to a real instance instead of the emulator: SOAP with MARKETO_SOAP_ENDPOINT,
                       MARKETO_USER_ID, MARKETO_ENCRYPTION_KEY; REST with MARKETO_REST_ENDPOINT,
                       MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET (and MARKETO_IDENTITY_ENDPOINT, …)
  --no-latency         emulator without Marketo-like latency
  --json               print the summary as JSON
  --instances N        N emulated Marketo instances (REST, Marketo's limits each) served by one worker,
                       fed --changes spread unevenly over them; prints each instance's summary
${DEMO_CONSOLE_HELP}`;

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive whole number, got ${value}`);
  return n;
}

export async function demoCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      changes: { type: 'string', default: '20000' },
      leads: { type: 'string', default: '3000' },
      bursts: { type: 'string', default: '10' },
      'burst-gap-ms': { type: 'string', default: '400' },
      workers: { type: 'string', default: '2' },
      'linger-ms': { type: 'string', default: '1000' },
      'redis-url': { type: 'string' },
      marketo: { type: 'boolean', default: false },
      transport: { type: 'string' },
      'no-latency': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      instances: { type: 'string' },
      console: { type: 'boolean', default: false }, // console
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const changes = positive(values.changes, '--changes');
  const leads = positive(values.leads, '--leads');
  const bursts = positive(values.bursts, '--bursts');
  const gap = Number(values['burst-gap-ms']);
  const workerCount = positive(values.workers, '--workers');
  const transport = demoTransport(values.transport, values.marketo, env);
  if (typeof transport !== 'string') throw new UsageError(transport.error);
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const tty = process.stderr.isTTY;

  const cleanups: (() => Promise<unknown>)[] = [];
  const started = Date.now();
  try {
    let redisUrl = values['redis-url'] ?? env.REDIS_URL;
    if (!redisUrl) {
      const redis: PrivateRedis = await startPrivateRedis(say, env);
      cleanups.unshift(() => redis.stop());
      redisUrl = redis.url;
      say(`• started a private Redis at ${redisUrl}`);
    } else say(`• using Redis at ${safeUrl(redisUrl)}`);
    if (values.instances !== undefined) {
      // instances: N emulated instances, one worker (demo-instances.ts)
      const lines = await runInstancesDemo({
        redisUrl,
        instances: positive(values.instances, '--instances'),
        changes,
        leads,
        lingerMs: values['linger-ms'],
        latency: values['no-latency'] ? undefined : MARKETO_LIKE_LATENCY,
        say,
      });
      if (values.json) process.stdout.write(`${JSON.stringify({ instances: lines })}\n`);
      else
        for (const l of lines)
          process.stdout.write(
            `${l.instance}: ${l.changes} changes → ${l.leadsInMarketo} leads in Marketo, ${l.calls} calls, outcomes ${JSON.stringify(l.outcomes)}\n`,
          );
      return lines.every((l) => l.leadsInMarketo > 0) ? 0 : 1;
    }

    let marketo: DemoMarketo;
    if (values.marketo) marketo = realMarketo(transport, env);
    else {
      const started = await demoEmulator(
        transport,
        {
          userId: DEMO_USER_ID,
          encryptionKey: DEMO_ENCRYPTION_KEY,
          clientId: DEMO_CLIENT_ID,
          clientSecret: DEMO_CLIENT_SECRET,
        },
        values['no-latency'] ? undefined : MARKETO_LIKE_LATENCY,
      );
      cleanups.unshift(() => started.emulator.close());
      marketo = started;
    }
    const emulator = marketo.emulator;
    say(`• ${marketo.description}`);

    const prefix = `demo-${randomBytes(4).toString('hex')}`;
    const settings = readWorkerSettings({
      REDIS_URL: redisUrl,
      MKTSYNC_PREFIX: prefix,
      ...marketo.env,
      MKTSYNC_LINGER_MS: values['linger-ms'],
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LOG_LEVEL: 'warn',
    });
    let calls = 0;
    const callsByGroup: Record<string, number> = {};
    // Marketo refusing the credentials stops sending for MKTSYNC_AUTH_PAUSE_MS: the demo could only
    // wait, so it stops at the first such fault and says so.
    let refuse: (error: Error) => void = () => {};
    const refused = new Promise<never>((_, reject) => (refuse = reject));
    refused.catch(() => undefined);
    const unlessRefused = <T>(work: Promise<T>): Promise<T> => Promise.race([work, refused]);
    const workers: Worker[] = [];
    for (let i = 0; i < workerCount; i++) {
      const worker = await startWorker(settings, {
        log:
          env.MKTSYNC_LOG_LEVEL === 'debug'
            ? createLogger(`worker-${i}`, 'debug', process.stderr)
            : silentLogger,
        http: false,
        loops: Math.max(1, Math.floor(settings.maxConcurrent / workerCount)),
        events: {
          onBatch: (batch, report) => {
            calls += report.calls;
            callsByGroup[batch.group] = (callsByGroup[batch.group] ?? 0) + report.calls;
            const auth = report.faults.find((f) => f.category === 'auth');
            if (auth) refuse(new DemoAuthError(auth.code, values.marketo, transport));
          },
        },
      });
      workers.push(worker);
    }
    cleanups.unshift(() => Promise.all(workers.map((w) => w.stop())));
    say(
      `• started ${workerCount} workers (≤ ${settings.rateLimit} calls/${settings.rateWindowMs / 1000} s and ${settings.maxConcurrent} at once, shared; linger ${settings.lingerMs} ms)`,
    );

    // Over REST, what REST cannot express is refused at intake, as `mktsync ingest` does.
    const producer = await createProducer({ url: redisUrl, prefix, transport });
    cleanups.unshift(() => producer.close());
    let accepted = 0;
    let rejected = 0;
    const distinct = new Map<string, Set<string>>();
    const note = (group: string, key: string): void =>
      void (distinct.get(group) ?? distinct.set(group, new Set()).get(group)!).add(key);

    const progress = setInterval(
      () => {
        void producer.buffer.stats().then((s) => {
          const o = s.counters;
          const line =
            `changes in ${accepted.toLocaleString()} · calls ${calls} · outcomes ` +
            `CREATED ${o['outcome:CREATED'] ?? 0} UPDATED ${o['outcome:UPDATED'] ?? 0} FAILED ${o['outcome:FAILED'] ?? 0} · ` +
            `backlog ${s.waitingTotal.toLocaleString()} waiting, ${s.inFlight} in flight`;
          process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
        });
      },
      tty ? 500 : 2000,
    );
    cleanups.unshift(async () => clearInterval(progress));

    say(
      `• feeding ${changes.toLocaleString()} changes over ${leads.toLocaleString()} leads in ${bursts} bursts`,
    );
    const newOpportunities: { key: string; email: string }[] = [];
    // Over REST the stream also carries what hangs on the leads (events, memberships, subscriptions).
    const memberRandom = seededRandom(7);
    const webinarStep = new Map<string, number>();
    // List and program records: the group their last change files them under (the last add or remove;
    // the furthest status, as the demo only moves statuses forward).
    const memberGroup = new Map<string, string>();
    for (const burst of demoStream(changes, leads, bursts)) {
      const l = await producer.enqueueLeads(burst.leads);
      const m = await producer.enqueueMObjects(burst.mobjects);
      accepted += l.accepted.length + m.accepted.length;
      rejected += l.rejected.length + m.rejected.length;
      if (transport === 'rest') {
        const emails = burst.leads.map((lead) => lead.Email!);
        const members = memberBurst(emails, memberRandom, webinarStep, Date.now());
        const a = await producer.enqueueActivities(members.activities);
        const ms = await producer.enqueueMemberships(members.memberships);
        const c = await producer.enqueueMObjects(members.customObjects);
        accepted += a.accepted.length + ms.accepted.length + c.accepted.length;
        rejected += a.rejected.length + ms.rejected.length + c.rejected.length;
        a.accepted.forEach((ref) => note('A', ref.key));
        ms.accepted.forEach((ref) => {
          const change = members.memberships[ref.index]!;
          memberGroup.set(
            ref.key,
            'listId' in change
              ? `M:${change.listId}:${change.action}`
              : `S:${change.programId}:${change.status}`,
          );
        });
        c.accepted.forEach((ref) => note('C:subscription_c:UPSERT', ref.key));
      }
      // The batch groups the buffer files them under: leads by key kind, objects by type and operation.
      l.accepted.forEach((r) => note('L:Email', r.key));
      m.accepted.forEach((r) => {
        const change = burst.mobjects[r.index]!;
        note(`O:${change.type}:${change.operation}`, r.key);
      });
      newOpportunities.push(
        ...burst.newOpportunities.map((o, i) => ({
          ...o,
          email: burst.leads[i % Math.max(1, burst.leads.length)]?.Email ?? o.email,
        })),
      );
      await unlessRefused(new Promise((r) => setTimeout(r, gap)));
    }

    // Person roles need Marketo ids: wait for each new opportunity and its contact, then link them.
    const roles: MObjectChange[] = [];
    for (const o of newOpportunities.slice(0, 200)) {
      const opp = await unlessRefused(
        producer.waitForOutcome(
          { key: `O:Opportunity:ek:crmOpportunityId=${o.key}`, seq: 0 },
          { timeoutMs: 120_000 },
        ),
      );
      const person = await unlessRefused(
        producer.waitForOutcome(
          { key: `L:em:${encodeURIComponent(o.email.toLowerCase())}`, seq: 0 },
          { timeoutMs: 120_000 },
        ),
      );
      if (opp.id && person.id) roles.push(personRole(transport, o.key, opp.id, person.id));
    }
    const r = await producer.enqueueMObjects(roles);
    accepted += r.accepted.length;
    rejected += r.rejected.length;
    r.accepted.forEach((ref) => note('O:OpportunityPersonRole:INSERT', ref.key));

    for (const [key, group] of memberGroup) note(group, key);

    for (;;) {
      const s = await unlessRefused(producer.buffer.stats());
      if (s.waitingTotal === 0 && s.inFlight === 0) break;
      await unlessRefused(new Promise((res) => setTimeout(res, 200)));
    }
    clearInterval(progress);
    if (tty) process.stderr.write('\r\x1b[K');
    const outcomes = await producer.buffer.outcomes.all();
    const tokenRequests = workers.reduce((n, w) => n + (w.tokenStats()?.requests ?? 0), 0);
    const summary = summarize(
      outcomes,
      {
        accepted,
        rejected,
        calls,
        distinctByGroup: Object.fromEntries([...distinct].map(([g, set]) => [g, set.size])),
        transport,
        callsByGroup,
        ...(transport === 'rest' ? { tokenRequests } : {}),
      },
      (Date.now() - started) / 1000,
    );
    printSummary(summary, values.json, emulator);
    if (values.console) await serveDemoConsole(producer.buffer, settings, env, say); // console
    return summary.outcomes.FAILED ? 1 : 0;
  } catch (error) {
    if (!(error instanceof DemoAuthError)) throw error;
    if (tty) process.stderr.write('\r\x1b[K');
    say(`mktsync demo: ${error.message}`);
    return 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

/**
 * A person role for a new opportunity and its contact: SOAP links the opportunity by its Marketo id;
 * REST keys a role by the opportunity's external key, the lead and the role.
 */
function personRole(
  transport: TransportKind,
  opportunityKey: string,
  opportunityId: number | string,
  personId: number | string,
): MObjectChange {
  switch (transport) {
    case 'soap':
      return {
        type: 'OpportunityPersonRole',
        operation: 'INSERT',
        attributes: {
          OpportunityId: opportunityId,
          PersonId: personId,
          Role: 'Decision Maker',
          IsPrimary: true,
        },
      };
    case 'rest':
      return {
        type: 'OpportunityPersonRole',
        operation: 'INSERT',
        associations: [
          { mObjType: 'Opportunity', externalKey: { name: 'crmOpportunityId', value: opportunityKey } },
        ],
        attributes: { PersonId: personId, Role: 'Decision Maker', IsPrimary: true },
      };
  }
}

/** Marketo refused the demo's credentials. */
class DemoAuthError extends Error {
  override readonly name = 'DemoAuthError';
  constructor(code: number | null, marketo: boolean, transport: TransportKind) {
    const check = wireOf(transport).credentialsHint;
    super(
      `authentication failed: Marketo refused the credentials${code !== null ? ` (fault ${code})` : ''}; ` +
        (marketo
          ? `${check} Nothing more was sent.`
          : 'the built-in emulator refused its own demo credentials (a bug: please report it).'),
    );
  }
}

function printSummary(s: RunSummary, json: boolean, emulator: Emulator | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const rows: [string, string][] = [
    [
      'changes accepted',
      s.changesAccepted.toLocaleString() + (s.changesRejected ? ` (${s.changesRejected} rejected)` : ''),
    ],
    ['records sent', s.recordsSent.toLocaleString()],
    ['coalescing', `${s.coalescingRatio.toFixed(1)} changes per record sent`],
    [
      `${s.transport.toUpperCase()} calls`,
      `${s.calls} (minimum possible ${s.minimumCalls}: every record once, in full batches)`,
    ],
    ...Object.entries(s.byGroup)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, g]): [string, string] => [
        `  ${group}`,
        `${g.calls} call${g.calls === 1 ? '' : 's'}, minimum ${g.minimum}`,
      ]),
    [
      'outcomes',
      Object.entries(s.outcomes)
        .map(([k, v]) => `${k} ${v.toLocaleString()}`)
        .join(', '),
    ],
    [
      'latency (acceptance → outcome)',
      `p50 ${(s.latencyMs.p50 / 1000).toFixed(2)} s, p99 ${(s.latencyMs.p99 / 1000).toFixed(2)} s`,
    ],
    ...(s.tokenRequests !== undefined
      ? [
          ['token requests', `${s.tokenRequests} (to the Identity service, over every worker)`] as [
            string,
            string,
          ],
        ]
      : []),
    ['took', `${s.seconds.toFixed(1)} s`],
    ['metrics', 'not served by the demo; run `mktsync worker` for /metrics'],
  ];
  if (emulator)
    rows.push([
      'emulator',
      `${emulator.leads.size.toLocaleString()} leads, ${emulator.calls.total} calls answered`,
    ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(
    `\nmktsync demo summary\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`,
  );
}
