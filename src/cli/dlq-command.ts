import { parseArgs } from 'node:util';
import { INSTANCE_OPTION, instanceEnvWithSecrets } from './instance-option.js';
import { readCommonRedis, redisTarget } from '../config.js';
import { createProducer } from '../producer/producer.js';
import { UsageError } from './usage-error.js';
import { dlqResolve, DLQ_RESOLVE_HELP } from './dlq-resolve.js'; // console: dlq resolve

export const DLQ_HELP = `mktsync dlq: inspect, redrive and resolve dead-lettered records

Usage:
  mktsync dlq list [--limit N]         one NDJSON line per record: key, reason, code, field, attempts, at, record
  mktsync dlq redrive --key K [--key K2 …] | --all
                                       put records back for sending (attempts reset)
${DLQ_RESOLVE_HELP}Uses REDIS_URL and MKTSYNC_PREFIX; --instance NAME works on one instance of
MKTSYNC_INSTANCES_FILE (default: its default instance).
`;

export async function dlqCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...INSTANCE_OPTION,
      key: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      limit: { type: 'string', default: '1000' },
      verdict: { type: 'string' }, // console: dlq resolve
      id: { type: 'string' },
      by: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DLQ_HELP);
    return 0;
  }
  // instances: the keys and rules of the instance --instance names
  env = { ...instanceEnvWithSecrets(env, values.instance) };
  const [action] = positionals;
  if (action === 'resolve') return dlqResolve(values, env); // console: dlq resolve
  if (action !== 'list' && action !== 'redrive')
    throw new UsageError(
      'usage: mktsync dlq list | mktsync dlq redrive --key K | --all | mktsync dlq resolve --key K --verdict created|resend',
    );
  if (action === 'redrive' && !values.all && !values.key?.length)
    throw new UsageError('redrive needs --key K (repeatable) or --all');
  if (action === 'redrive' && values.all && values.key?.length)
    throw new UsageError('give --key or --all, not both');
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
  const settings = readCommonRedis(env);
  const producer = await createProducer({ ...redisTarget(settings), prefix: settings.prefix });
  try {
    if (action === 'list') {
      for (const d of await producer.buffer.deadLetters(limit)) {
        process.stdout.write(
          `${JSON.stringify({ key: d.key, reason: d.reason, code: d.code, ...(d.field !== undefined ? { field: d.field } : {}), attempts: d.attempts, at: new Date(d.at).toISOString(), group: d.group, record: d.entry.data, changes: d.entry.count })}\n`,
        );
      }
      return 0;
    }
    const keys = values.all ? [] : values.key!;
    const done = await producer.buffer.redrive(keys);
    const missing = keys.filter((k) => !done.includes(k));
    process.stdout.write(`${JSON.stringify({ redriven: done.length, keys: done, notFound: missing })}\n`);
    return missing.length === 0 ? 0 : 1;
  } finally {
    await producer.close();
  }
}
