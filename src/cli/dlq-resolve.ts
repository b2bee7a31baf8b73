import os from 'node:os';
import { readWorkerSettings } from '../config.js';
import { resolveRecord, VERDICTS, type Verdict } from '../console/dead-letters.js';
import { createProducer } from '../producer/producer.js';
import { redisTarget } from '../config.js';
import { UsageError } from './usage-error.js';

/** The `dlq resolve` lines of `mktsync dlq --help`. */
export const DLQ_RESOLVE_HELP = `  mktsync dlq resolve --key K --verdict created|resend [--id N] [--by NAME]
                                       an INDETERMINATE or PROBABLY_CREATED create, after checking Marketo:
                                       created (in Marketo: outcome CREATED, dead letter dropped) or
                                       resend (not in Marketo: redriven, sent again); kept with who and when
`;

/**
 * `mktsync dlq resolve`: the operator's verdict on a create that may have been applied, as the console
 * takes it. Prints one JSON line; exit 1 when refused or unknown.
 */
export async function dlqResolve(
  values: { key?: string[]; verdict?: string; id?: string; by?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const key = values.key?.[0];
  if (!key || (values.key?.length ?? 0) > 1) throw new UsageError('resolve needs one --key K');
  if (!values.verdict || !(VERDICTS as readonly string[]).includes(values.verdict))
    throw new UsageError('resolve needs --verdict created (it is in Marketo) or resend (it is not)');
  const by = values.by ?? os.userInfo().username;
  const settings = readWorkerSettings(env);
  const producer = await createProducer({ ...redisTarget(settings), prefix: settings.prefix });
  try {
    const result = await resolveRecord(producer.buffer, key, values.verdict as Verdict, by, {
      retentionSec: settings.outcomeRetentionSec,
      streamMaxLen: settings.outcomeStreamMaxLen,
      ...(values.id ? { marketoId: values.id } : {}),
    });
    process.stdout.write(`${JSON.stringify({ key, by, ...result })}\n`);
    return result.result === 'ok' ? 0 : 1;
  } finally {
    await producer.close();
  }
}
