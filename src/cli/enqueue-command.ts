import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INSTANCE_OPTION, instanceEnv } from './instance-option.js';
import { readCommonRedis, readIdempotencyWindowSec, readIntakeSettings, redisTarget } from '../config.js';
import type { BufferedChange } from '../buffer/buffer.js';
import { CHANGE_KINDS, validatorOf } from '../producer/change-kinds.js';
import { readRecords } from '../producer/file-records.js';
import { headerKeyProblem } from '../producer/idempotency-key.js';
import { createProducer, type Producer } from '../producer/producer.js';
import { writeFailure } from '../producer/write-failure.js';
import { UsageError } from './usage-error.js';

export const ENQUEUE_HELP = `mktsync enqueue: import changes from a file into the buffer (reconciliation)

Usage:
  mktsync enqueue --leads FILE      NDJSON or CSV (by extension .csv) lead changes; '-' reads stdin
  mktsync enqueue --activities FILE the same for custom activities (REST only)
  mktsync enqueue --mobjects FILE   the same for object changes (custom objects among them: a line naming apiName)
Options:
  --instance NAME   the Marketo instance (MKTSYNC_INSTANCES_FILE; default: its default instance)
  --format csv|ndjson        override the format guessed from the extension
  --idempotency-key PREFIX   give line N the idempotency key PREFIX:N (unless it has its own), so that
                             running the same file again with the same PREFIX writes no line twice
  --quiet                    no progress line

Streams the file: valid lines are accepted as they come, invalid ones are reported as
FILE:LINE: FIELD: REASON. Ends with a JSON summary on stdout ("replayed": accepted lines whose
idempotency key had already been written, so nothing was written again). Exit 0 when every line
was accepted, 1 when some were rejected or Redis could not be reached, 3 when Redis failed a write:
reading stops at once, and the summary says through which line everything valid was accepted, the
first line not written and the lines whose state is unknown (written or not: the connection failed
before Redis answered). Uses REDIS_URL, MKTSYNC_PREFIX and MKTSYNC_IDEMPOTENCY_WINDOW_S.
`;

/** Exit status when Redis failed a write and the import stopped (unreachable at the start is 1). */
const STOPPED = 3;

/** Lines of one failed write: [first, last] and whether they were certainly not written. */
interface FailedWrite {
  from: number;
  to: number;
  state: 'refused' | 'unknown';
  error: string;
}

export async function enqueueCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...INSTANCE_OPTION,
      leads: { type: 'string' },
      mobjects: { type: 'string' },
      memberships: { type: 'string' },
      activities: { type: 'string' },
      format: { type: 'string' },
      'idempotency-key': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(ENQUEUE_HELP);
    return 0;
  }
  // instances: the keys and rules of the instance --instance names
  env = { ...instanceEnv(env, values.instance) };
  const given = CHANGE_KINDS.filter((k) => values[k] !== undefined);
  if (given.length !== 1)
    throw new UsageError(`give exactly one of ${CHANGE_KINDS.map((k) => `--${k} FILE`).join(', ')}`);
  const kind = given[0]!;
  const file = values[kind]!;
  if (file !== '-' && !existsSync(file)) throw new UsageError(`${file}: no such file`);
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'ndjson')
    throw new UsageError('--format must be csv or ndjson');
  const idempotencyPrefix = values['idempotency-key'];
  const keyProblem = idempotencyPrefix === undefined ? undefined : headerKeyProblem(idempotencyPrefix);
  if (keyProblem) throw new UsageError(`--idempotency-key ${keyProblem}`);
  const settings = readCommonRedis(env);
  // Read before connecting: a bad setting is the user's to fix, not a Redis failure.
  const idempotencyWindowSec = readIdempotencyWindowSec(env);
  const started = Date.now();
  const summary = (fields: Record<string, unknown>): void => {
    process.stdout.write(
      `${JSON.stringify({ file, kind, ...fields, seconds: (Date.now() - started) / 1000 })}\n`,
    );
  };
  let producer: Producer;
  try {
    producer = await createProducer({
      ...redisTarget(settings),
      prefix: settings.prefix,
      idempotencyWindowSec,
      ...readIntakeSettings(env),
    });
  } catch (error) {
    // Nothing was read: the summary says so on stdout, and the error ends the command as every
    // one-shot command ends on an unusable Redis (the reason on stderr, exit 1).
    summary({ lines: 0, accepted: 0, rejected: 0, stopped: (error as Error).message });
    throw error;
  }
  const check = validatorOf(kind);
  const validate = (inputs: readonly unknown[], at: (i: number) => number) =>
    check(inputs, at, producer.intake);
  const progress = !values.quiet && process.stderr.isTTY;
  let lines = 0;
  let lastLine = 0;
  let accepted = 0;
  // Accepted lines whose idempotency key had been written before: answered, not written again.
  let replayed = 0;
  let rejected = 0;
  // The last line of the last write Redis confirmed: every valid line up to it is accepted.
  let acceptedThrough = 0;
  let pending: { line: number; change: BufferedChange }[] = [];
  let failed: FailedWrite | undefined;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      const refs = await producer.enqueueChanges(batch.map((p) => p.change));
      accepted += batch.length;
      replayed += refs.replayed;
      acceptedThrough = batch[batch.length - 1]!.line;
    } catch (error) {
      failed = {
        from: batch[0]!.line,
        to: batch[batch.length - 1]!.line,
        state: writeFailure(error),
        error: (error as Error).message,
      };
    }
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
      lastLine = record.line;
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
      } else {
        const change = result.valid[0]!.change;
        if (idempotencyPrefix !== undefined && change.idempotencyKey === undefined)
          change.idempotencyKey = `${idempotencyPrefix}:${record.line}`;
        pending.push({ line: record.line, change });
      }
      if (pending.length >= 500) {
        await flush();
        if (failed) break;
        if (lines % 5000 < 500) show();
      }
    }
    if (!failed) await flush();
  } finally {
    // Stop reading at once: a pipe's remaining lines stay unread for whoever resumes the import.
    if (failed && file === '-') process.stdin.destroy();
    await producer.close();
  }
  if (progress) process.stderr.write('\r\x1b[K');
  const replays = replayed > 0 ? { replayed } : {};
  if (!failed) {
    summary({ lines, accepted, ...replays, rejected });
    return rejected === 0 ? 0 : 1;
  }
  const f: FailedWrite = failed;
  const range = f.from === f.to ? `line ${f.from}` : `lines ${f.from}–${f.to}`;
  // Refused lines were certainly not written; after unknown ones, the next line is the first that was not.
  const firstNotWritten = f.state === 'refused' ? f.from : f.to + 1;
  const resume =
    f.state === 'refused'
      ? `Resume from line ${f.from}.`
      : idempotencyPrefix === undefined
        ? `Resume from line ${f.from} only after checking them: without --idempotency-key a resend may write them twice.`
        : `Resume from line ${f.from} with the same --idempotency-key ${idempotencyPrefix}: lines already written are not written again.`;
  process.stderr.write(
    `mktsync enqueue: stopped: Redis failed a write (${f.error}).\n` +
      `  accepted: every valid line through line ${acceptedThrough} (${accepted} changes)\n` +
      (f.state === 'refused'
        ? `  not written: ${range}\n`
        : `  unknown: ${range} may or may not have been written (the connection failed before Redis answered)\n`) +
      `  first line not written: ${firstNotWritten}; reading stopped at line ${lastLine}.\n  ${resume}\n`,
  );
  summary({
    lines,
    accepted,
    ...replays,
    rejected,
    acceptedThroughLine: acceptedThrough,
    firstLineNotWritten: firstNotWritten,
    ...(f.state === 'refused' ? { refusedLines: [f.from, f.to] } : { unknownLines: [f.from, f.to] }),
    stopped: f.error,
  });
  return STOPPED;
}
