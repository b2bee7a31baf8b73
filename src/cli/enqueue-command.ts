import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCommonRedis, redisTarget } from '../config.js';
import type { BufferedChange } from '../buffer/buffer.js';
import { validateLeads, validateMObjects } from '../producer/changes.js';
import { readRecords } from '../producer/file-records.js';
import { createProducer } from '../producer/producer.js';
import { UsageError } from './usage-error.js';

export const ENQUEUE_HELP = `mktsync enqueue: import changes from a file into the buffer (reconciliation)

Usage:
  mktsync enqueue --leads FILE      NDJSON or CSV (by extension .csv) lead changes; '-' reads stdin
  mktsync enqueue --mobjects FILE   the same for object changes
Options:
  --format csv|ndjson   override the format guessed from the extension
  --quiet               no progress line

Streams the file: valid lines are accepted as they come, invalid ones are reported as
FILE:LINE: FIELD: REASON. Ends with a JSON summary on stdout. Exit 0 when every line was accepted,
1 when some were rejected. Uses REDIS_URL and MKTSYNC_PREFIX.
`;

export async function enqueueCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      leads: { type: 'string' },
      mobjects: { type: 'string' },
      format: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(ENQUEUE_HELP);
    return 0;
  }
  if ((values.leads === undefined) === (values.mobjects === undefined))
    throw new UsageError('give exactly one of --leads FILE or --mobjects FILE');
  const kind = values.leads !== undefined ? 'leads' : 'mobjects';
  const file = (values.leads ?? values.mobjects)!;
  if (file !== '-' && !existsSync(file)) throw new UsageError(`${file}: no such file`);
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'ndjson')
    throw new UsageError('--format must be csv or ndjson');
  const settings = readCommonRedis(env);
  const producer = await createProducer({ ...redisTarget(settings), prefix: settings.prefix });
  const validate = kind === 'leads' ? validateLeads : validateMObjects;
  const progress = !values.quiet && process.stderr.isTTY;
  const started = Date.now();
  let lines = 0;
  let accepted = 0;
  let rejected = 0;
  let pending: BufferedChange[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    await producer.buffer.enqueue(pending);
    accepted += pending.length;
    pending = [];
  };
  const show = (): void => {
    if (progress)
      process.stderr.write(
        `\r${lines.toLocaleString()} lines: ${accepted.toLocaleString()} accepted, ${rejected.toLocaleString()} rejected`,
      );
  };
  try {
    for await (const record of readRecords(file, kind, values.format as 'csv' | 'ndjson' | undefined)) {
      lines++;
      if (record.error !== undefined) {
        rejected++;
        process.stderr.write(
          `${progress ? '\r\x1b[K' : ''}${file}:${record.line}: (record): ${record.error}\n`,
        );
        continue;
      }
      const result = validate([record.value], () => record.line);
      if (result.problems.length > 0) {
        rejected++;
        for (const p of result.problems)
          process.stderr.write(`${progress ? '\r\x1b[K' : ''}${file}:${p.at}: ${p.field}: ${p.reason}\n`);
      } else pending.push(result.valid[0]!.change);
      if (pending.length >= 500) {
        await flush();
        if (lines % 5000 < 500) show();
      }
    }
    await flush();
  } finally {
    await producer.close();
  }
  if (progress) process.stderr.write('\r\x1b[K');
  process.stdout.write(
    `${JSON.stringify({ file, kind, lines, accepted, rejected, seconds: (Date.now() - started) / 1000 })}\n`,
  );
  return rejected === 0 ? 0 : 1;
}
