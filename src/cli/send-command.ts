import { parseArgs } from 'node:util';
import { INSTANCE_OPTION, instanceEnvWithSecrets } from './instance-option.js';
import { readTransportKind } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import {
  leadRecordSchema,
  mobjectRecordSchema,
  problemsOf,
  type InputProblem,
  type LeadInput,
  type MObjectInput,
} from '../model/records.js';
import { SYNC_OPERATIONS, type SyncOperation } from '../soap/types.js';
import type { Transport } from '../transport/contract.js';
import { isTransportKind, TRANSPORT_KIND_CHOICES } from '../vocabulary/transport-kinds.js';
import { wireOf, type SendTarget } from '../wire/registry.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ENCRYPTION_KEY, DEMO_USER_ID } from './emulator-command.js';
import { readNdjson } from './ndjson.js';
import { sendCalls } from './send-calls.js';
import { UsageError } from './usage-error.js';

export const SEND_HELP = `mktsync send: send one batch straight to Marketo, without any queue (for debugging credentials and mappings)

Usage:
  mktsync send leads FILE [--dedup true|false] [--timeout S]
  mktsync send mobjects FILE --operation INSERT|UPDATE|UPSERT [--timeout S]
  --instance NAME   the Marketo instance (MKTSYNC_INSTANCES_FILE; default: its default instance)
  --transport soap|rest  the API to use (default: MARKETO_TRANSPORT, else the one whose endpoint is set)

FILE is NDJSON, one record per line ('-' reads stdin). Uses MARKETO_SOAP_ENDPOINT, MARKETO_USER_ID and
MARKETO_ENCRYPTION_KEY (REST: MARKETO_REST_ENDPOINT, MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET; records
are sent in one call per key kind or object type, see docs/rest.md); --emulator sends to a throw-away
in-process emulator instead.
Prints one NDJSON result per record ({"line","status","id","error"}) or the fault; exit 0 when the call
succeeded (even if some records FAILED), 1 on a fault, 2 on bad input.
--timeout S (default 60) is the longest wait for the answer, in seconds; the call is sent once (no
retry after a transport failure), so that is also how long the command can take.
`;

export async function sendCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...INSTANCE_OPTION,
      dedup: { type: 'string' },
      operation: { type: 'string' },
      emulator: { type: 'boolean', default: false },
      transport: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SEND_HELP);
    return 0;
  }
  // instances: the keys and rules of the instance --instance names
  env = { ...instanceEnvWithSecrets(env, values.instance) };
  const [kind, file] = positionals;
  if ((kind !== 'leads' && kind !== 'mobjects') || file === undefined || positionals.length > 2) {
    throw new UsageError(
      'usage: mktsync send leads FILE [--dedup true|false] | mktsync send mobjects FILE --operation OP',
    );
  }
  const timeoutS = Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 3600)
    throw new UsageError(`--timeout must be a number of seconds between 0 and 3600, got ${values.timeout}`);
  const timeoutMs = Math.ceil(timeoutS * 1000);
  let dedupEnabled: boolean | undefined;
  if (values.dedup !== undefined) {
    if (values.dedup !== 'true' && values.dedup !== 'false')
      throw new UsageError(`--dedup must be true or false, got ${values.dedup}`);
    if (kind !== 'leads') throw new UsageError('--dedup applies to leads only');
    dedupEnabled = values.dedup === 'true';
  }
  let operation: SyncOperation | undefined;
  if (kind === 'mobjects') {
    if (!SYNC_OPERATIONS.includes(values.operation as SyncOperation)) {
      throw new UsageError(`--operation must be one of ${SYNC_OPERATIONS.join(', ')} for mobjects`);
    }
    operation = values.operation as SyncOperation;
  } else if (values.operation !== undefined) {
    throw new UsageError('--operation applies to mobjects only');
  }

  // Read and validate everything first: nothing is sent unless every line is good.
  const lines: number[] = [];
  const leads: LeadInput[] = [];
  const objects: MObjectInput[] = [];
  const problems: InputProblem[] = [];
  for await (const entry of readNdjson(file)) {
    if (entry.error) {
      problems.push({ at: entry.line, field: '(record)', reason: entry.error });
      continue;
    }
    const schema = kind === 'leads' ? leadRecordSchema : mobjectRecordSchema;
    const parsed = schema.safeParse(entry.value);
    if (!parsed.success) {
      problems.push(...problemsOf(parsed.error, entry.line));
      continue;
    }
    lines.push(entry.line);
    if (kind === 'leads') leads.push(parsed.data as LeadInput);
    else objects.push(parsed.data as MObjectInput);
  }
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${file}:${p.at}: ${p.field}: ${p.reason}\n`);
    process.stderr.write(`nothing sent: ${problems.length} problem(s) in ${file}\n`);
    return 2;
  }
  if (lines.length === 0) throw new UsageError(`${file} holds no records`);

  if (values.transport !== undefined && !isTransportKind(values.transport))
    throw new UsageError(`--transport must be ${TRANSPORT_KIND_CHOICES}, got ${values.transport}`);
  const wire = wireOf(values.transport ?? readTransportKind(env));
  let emulator: Emulator | undefined;
  let target: SendTarget = { from: 'env', env };
  if (values.emulator) {
    emulator = await startEmulator({
      userId: DEMO_USER_ID,
      encryptionKey: DEMO_ENCRYPTION_KEY,
      rest: { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET },
    });
    target = {
      from: 'emulator',
      emulator: {
        endpoint: emulator.endpoint,
        restEndpoint: emulator.restEndpoint,
        userId: DEMO_USER_ID,
        encryptionKey: DEMO_ENCRYPTION_KEY,
        clientId: DEMO_CLIENT_ID,
        clientSecret: DEMO_CLIENT_SECRET,
      },
    };
  }
  let transport: Transport | undefined;
  try {
    transport = wire.forSend(target, timeoutMs).transport;
    return await sendCalls(wire, transport, {
      kind,
      lines,
      leads,
      objects,
      ...(dedupEnabled !== undefined ? { dedupEnabled } : {}),
      ...(operation !== undefined ? { operation } : {}),
      out: (line) => process.stdout.write(line),
      refuse: (line, message) =>
        process.stderr.write(`${file}${line !== undefined ? `:${line}` : ''}: ${message}\n`),
    });
  } finally {
    transport?.close();
    await emulator?.close();
  }
}
