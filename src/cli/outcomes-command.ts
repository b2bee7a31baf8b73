import { parseArgs } from 'node:util';
import { INSTANCE_OPTION, instanceEnv } from './instance-option.js';
import { connectRedis, waitReady } from '../redis.js';
import { readCommonRedis, redisTarget } from '../config.js';
import { createLogger } from '../log.js';
import { OutcomeReader } from '../buffer/outcome-reader.js';
import type { Outcome } from '../buffer/types.js';
import { UsageError } from './usage-error.js';
import { OUTCOME_STATUSES as STATUSES, parseOutcomeStatus } from '../vocabulary/outcome-statuses.js';

export const OUTCOMES_HELP = `mktsync outcomes: print outcomes as NDJSON

Usage:
  mktsync outcomes [--key K] [--status S] [--follow] [--limit N]

Without --key, reads the outcome stream from its start (or, with --follow, keeps printing new
outcomes as they arrive; stop with Ctrl-C). --key prints that record's latest outcome.
--status keeps only CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED, INDETERMINATE (a create that may or
may not have been applied) or PROBABLY_CREATED. Uses REDIS_URL and MKTSYNC_PREFIX;
--instance NAME reads one instance of MKTSYNC_INSTANCES_FILE (default: its default instance).
Without --follow, an unreachable Redis (or one refusing the credentials) is reported at once and the
exit status is 1; with --follow it keeps retrying and logs why on standard error.
`;

export async function outcomesCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...INSTANCE_OPTION,
      key: { type: 'string' },
      status: { type: 'string' },
      follow: { type: 'boolean', default: false },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(OUTCOMES_HELP);
    return 0;
  }
  // instances: the keys and rules of the instance --instance names
  env = { ...instanceEnv(env, values.instance) };
  if (values.status !== undefined && parseOutcomeStatus(values.status) === undefined)
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (values.limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new UsageError('--limit must be a positive whole number');
  const settings = readCommonRedis(env);
  // Following is long-running: it waits through outages and says why on stderr (stdout is the data).
  const redis = values.follow
    ? connectRedis(redisTarget(settings), 'worker', {
        log: createLogger('outcomes', settings.logLevel, process.stderr),
      })
    : connectRedis(redisTarget(settings), 'producer');
  await (values.follow
    ? waitReady(redis, Infinity, { attempts: Infinity, failOnAuth: false })
    : waitReady(redis));
  const outcomes = OutcomeReader.of(redis, settings.prefix);
  const keep = (o: Outcome): boolean => values.status === undefined || o.status === values.status;
  let printed = 0;
  const print = (o: Outcome): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
    printed++;
  };
  try {
    if (values.key !== undefined) {
      const outcome = await outcomes.latest(values.key);
      if (outcome === null) {
        process.stderr.write(`no outcome for ${values.key} (not settled yet, or past its retention)\n`);
        return 1;
      }
      if (keep(outcome)) print(outcome);
      return 0;
    }
    let stopping = false;
    process.once('SIGINT', () => (stopping = true));
    process.once('SIGTERM', () => (stopping = true));
    let last = '0-0';
    while (!stopping && printed < limit) {
      const entries = await outcomes.after(last, 1000, values.follow ? 1000 : undefined);
      if (entries.length === 0 && !values.follow) break;
      for (const { id, outcome } of entries) {
        last = id;
        if (keep(outcome) && printed < limit) print(outcome);
      }
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}
