import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INSTANCE_OPTION, instanceEnv } from './instance-option.js';
import type { Queue } from 'bullmq';
import { readCommonRedis, readReconcileSettings, redisTarget } from '../config.js';
import { createProducer } from '../producer/producer.js';
import { connectRedis, waitReady } from '../redis.js';
import { absentFrom, FingerprintStore } from '../reconcile/fingerprint-store.js';
import { reconcileKeys, SET_NAME } from '../reconcile/reconcile-keys.js';
import { cancelRun, reconcileQueue, submitRun } from '../reconcile/reconcile-queue.js';
import { listRuns } from '../reconcile/run-list.js';
import { processRun } from '../reconcile/run-processor.js';
import type { RunData, RunProgress, RunRequest, RunSummary } from '../reconcile/run-types.js';
import {
  listSchedules,
  removeSchedule,
  upsertSchedule,
  type ScheduleTiming,
} from '../reconcile/schedules.js';
import { readAllSets, readSetMeta } from '../reconcile/set-meta.js';
import { defaultSetName, isUrl } from '../reconcile/source.js';
import { UsageError } from './usage-error.js';
import { mirrorCommand } from './mirror-command.js';

export const RECONCILE_HELP = `mktsync reconcile: send only what changed since Marketo last confirmed it

Usage:
  mktsync reconcile run (--leads SRC | --mobjects SRC) [--name SET] [--full] [--wait | --no-wait]
  mktsync reconcile schedule NAME (--cron "0 2 * * *" [--tz ZONE] | --every MS) (--leads SRC | --mobjects SRC)
                             [--name SET] [--full]
  mktsync reconcile unschedule NAME
  mktsync reconcile list [--limit N]        schedules, sets and recent runs (NDJSON)
  mktsync reconcile cancel RUN
  mktsync reconcile absent SET [--limit N]  records of SET absent from its last run (NDJSON, Marketo ids)
  mktsync reconcile mirror --list ID SRC    make a static list hold exactly the export's leads (REST;
                                            see mktsync reconcile mirror --help)

SRC is an NDJSON or CSV export (as 'mktsync enqueue' reads them; .csv is CSV): a path the workers can
read, an http(s) URL (streamed), or '-' for standard input (read and diffed by this process; the
run then cannot be resumed elsewhere). Options:
  --instance NAME   the Marketo instance (MKTSYNC_INSTANCES_FILE; default: its default instance)
  --name SET       the reconcile set (default: the source's file name without extension)
  --full           send every row, and drop records absent from this export from the set
  --format F       csv or ndjson, overriding the extension
  --wait           wait for the run, showing progress, and print its summary (default on a terminal)
  --no-wait        print the run id and return (default otherwise)

Runs are BullMQ jobs processed by 'mktsync worker'. A record's fingerprint is committed only when its
outcome is a success, so failed records are sent again by the next run. Records absent from an
export are counted and listed, never deleted: the sync calls mktsync makes (REST or SOAP) cannot
delete leads.
Exit: 0 when every row was accepted and every record confirmed, 1 otherwise, 2 on usage errors.
`;

const show = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

function progressLine(p: RunProgress): string {
  return (
    `${p.phase}: ${p.read.toLocaleString()} rows: ${p.unchanged.toLocaleString()} unchanged, ` +
    `${p.changed.toLocaleString()} changed, ${p.new.toLocaleString()} new, ${p.refused.toLocaleString()} refused; ` +
    `${p.enqueued.toLocaleString()} enqueued, ${p.confirmed.toLocaleString()} confirmed, ${p.failed.toLocaleString()} failed`
  );
}

const exitOf = (s: RunSummary): number => (s.refused + s.failed + s.unconfirmed === 0 ? 0 : 1);

function sourceOf(values: { leads?: string | undefined; mobjects?: string | undefined }): {
  kind: RunData['kind'];
  source: string;
} {
  if ((values.leads === undefined) === (values.mobjects === undefined))
    throw new UsageError('give exactly one of --leads SRC or --mobjects SRC');
  const kind = values.leads !== undefined ? 'leads' : 'mobjects';
  const given = (values.leads ?? values.mobjects)!;
  if (given === '-' || isUrl(given)) return { kind, source: given };
  if (!existsSync(given)) throw new UsageError(`${given}: no such file`);
  // Workers resolve the path themselves: give them an absolute one.
  return { kind, source: resolve(given) };
}

function formatOf(format: string | undefined): 'csv' | 'ndjson' | undefined {
  if (format !== undefined && format !== 'csv' && format !== 'ndjson')
    throw new UsageError('--format must be csv or ndjson');
  return format;
}

function setName(name: string | undefined, source: string): string {
  const set = name ?? defaultSetName(source);
  if (!SET_NAME.test(set))
    throw new UsageError(`--name ${JSON.stringify(set)}: 1–64 letters, digits, ".", "_" or "-"`);
  return set;
}

async function waitForRun(
  queue: Queue<RunData, RunSummary, string>,
  id: string,
  live: boolean,
): Promise<number> {
  for (;;) {
    const job = await queue.getJob(id);
    if (!job) throw new Error(`run ${id} disappeared from the queue`);
    const state = await job.getState();
    if (state === 'completed') {
      if (live) process.stderr.write('\r\x1b[K');
      show(job.returnvalue);
      return exitOf(job.returnvalue);
    }
    if (state === 'failed') {
      if (live) process.stderr.write('\r\x1b[K');
      process.stderr.write(`mktsync: run ${id} failed: ${job.failedReason}\n`);
      return 1;
    }
    if (live && typeof job.progress === 'object')
      process.stderr.write(`\r\x1b[K${progressLine(job.progress as unknown as RunProgress)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function reconcileCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(RECONCILE_HELP);
    return sub === undefined ? 2 : 0;
  }
  // List mirroring takes options of its own (mirror-command.ts).
  if (sub === 'mirror') return mirrorCommand(rest, env);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      ...INSTANCE_OPTION,
      leads: { type: 'string' },
      mobjects: { type: 'string' },
      name: { type: 'string' },
      format: { type: 'string' },
      full: { type: 'boolean', default: false },
      wait: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      cron: { type: 'string' },
      tz: { type: 'string' },
      every: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(RECONCILE_HELP);
    return 0;
  }
  if (!['run', 'schedule', 'unschedule', 'list', 'cancel', 'absent'].includes(sub))
    throw new UsageError(
      `unknown reconcile command '${sub}': run, schedule, unschedule, list, cancel, absent, mirror`,
    );
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError('--limit must be a whole number of at least 1');
  // instances: the keys and rules of the instance --instance names
  env = { ...instanceEnv(env, values.instance) };
  const common = readCommonRedis(env);
  const reconcile = readReconcileSettings(env);
  const redis = connectRedis(redisTarget(common), 'producer');
  const prefix = common.prefix;
  try {
    await waitReady(redis);
    const queue = reconcileQueue(redis, prefix);
    try {
      switch (sub) {
        case 'run': {
          const { kind, source } = sourceOf(values);
          const request: RunRequest = {
            kind,
            source,
            set: setName(values.name, source),
            full: values.full,
            ...(formatOf(values.format) ? { format: formatOf(values.format)! } : {}),
          };
          const live = process.stderr.isTTY;
          if (source === '-') {
            const producer = await createProducer({ redis, prefix });
            const summary = await processRun(
              {
                id: `stdin-${randomUUID()}`,
                data: { ...request, full: request.full ?? false },
                progress: async (p) => {
                  if (live) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
                },
              },
              {
                redis,
                producer,
                prefix,
                confirmTimeoutMs: reconcile.confirmTimeoutMs,
                memoryLimitBytes: reconcile.memoryLimitBytes,
                limits: {
                  maxBytes: reconcile.maxBytes,
                  maxLineBytes: reconcile.maxLineBytes,
                  connectTimeoutMs: 30_000,
                },
              },
            );
            if (live) process.stderr.write('\r\x1b[K');
            show(summary);
            return exitOf(summary);
          }
          const id = await submitRun(queue, request);
          const wait = values['no-wait'] ? false : (values.wait ?? process.stdout.isTTY);
          if (!wait) {
            show({ run: id, set: request.set });
            return 0;
          }
          return await waitForRun(queue, id, live);
        }
        case 'schedule': {
          const name = positionals[0];
          if (!name) throw new UsageError('schedule needs a NAME');
          if ((values.cron === undefined) === (values.every === undefined))
            throw new UsageError('give exactly one of --cron PATTERN or --every MS');
          let timing: ScheduleTiming;
          if (values.every !== undefined) {
            const everyMs = Number(values.every);
            if (!Number.isInteger(everyMs) || everyMs < 1000)
              throw new UsageError('--every must be a whole number of milliseconds, at least 1000');
            timing = { everyMs };
          } else timing = { cron: values.cron!, ...(values.tz ? { tz: values.tz } : {}) };
          const { kind, source } = sourceOf(values);
          if (source === '-') throw new UsageError('a schedule cannot read standard input');
          try {
            show(
              await upsertSchedule(queue, redis, prefix, name, timing, {
                kind,
                source,
                set: setName(values.name ?? name, source),
                full: values.full,
                ...(formatOf(values.format) ? { format: formatOf(values.format)! } : {}),
              }),
            );
          } catch (error) {
            if (error instanceof TypeError) throw new UsageError(error.message);
            throw error;
          }
          return 0;
        }
        case 'unschedule': {
          const name = positionals[0];
          if (!name) throw new UsageError('unschedule needs a NAME');
          const removed = await removeSchedule(queue, redis, prefix, name);
          if (!removed) process.stderr.write(`mktsync: no schedule named ${name}\n`);
          return removed ? 0 : 1;
        }
        case 'list': {
          for (const s of await listSchedules(queue, redis, prefix)) show({ type: 'schedule', ...s });
          for (const s of await readAllSets(redis, reconcileKeys(prefix)))
            show({
              type: 'set',
              ...s,
              lastSuccessAt: s.lastSuccessAt && new Date(s.lastSuccessAt).toISOString(),
            });
          for (const r of await listRuns(queue, limit)) show({ type: 'run', ...r });
          return 0;
        }
        case 'cancel': {
          const id = positionals[0];
          if (!id) throw new UsageError('cancel needs a RUN id (see mktsync reconcile list)');
          const result = await cancelRun(queue, redis, prefix, id);
          show({ run: id, result });
          return result === 'removed' || result === 'cancelling' ? 0 : 1;
        }
        case 'absent': {
          const set = positionals[0];
          if (!set || !SET_NAME.test(set)) throw new UsageError('absent needs a SET name');
          const meta = await readSetMeta(redis, reconcileKeys(prefix), set);
          if (meta.buckets === 0 || meta.lastStamp === 0)
            throw new UsageError(`set ${set} has no completed run`);
          const store = new FingerprintStore(
            redis,
            reconcileKeys(prefix),
            set,
            meta.buckets,
            meta.generation,
          );
          let shown = 0;
          await store.scan((r) => {
            if (
              !absentFrom(r.stamp, meta.lastStamp, meta.absentMarked) ||
              shown >= (values.limit === undefined ? Infinity : limit)
            )
              return;
            shown++;
            show({ set, marketoId: r.marketoId, keyDigest: r.keyDigest.toString('hex') });
          });
          return 0;
        }
      }
      return 2;
    } finally {
      await queue.close();
    }
  } finally {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  }
}
