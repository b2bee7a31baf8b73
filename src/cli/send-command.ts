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
import { sendCalls, type SendInput } from './send-calls.js';
import { bufferedMembership } from '../producer/member-changes.js';
import { parseGroupName } from '../vocabulary/batch-groups.js';
import type { BufferedChange } from '../buffer/buffer.js';
import { validateCustomObjects } from '../producer/custom-object-changes.js';
import { UsageError } from './usage-error.js';
import type { StoredActivity } from '../buffer/types.js';
import {
  activityChangeSchema,
  activityTransportProblem,
  bufferedActivity,
} from '../producer/activity-change.js';

export const SEND_HELP = `mktsync send: send one batch straight to Marketo, without any queue (for debugging credentials and mappings)

Usage:
  mktsync send leads FILE [--dedup true|false] [--timeout S]
  mktsync send mobjects FILE --operation INSERT|UPDATE|UPSERT [--timeout S]
  mktsync send memberships FILE [--timeout S]   list membership and program member status (REST only)
  mktsync send activities FILE [--timeout S]   custom activities (REST only), 300 a call
  mktsync send customobjects FILE [--timeout S]   (REST only; each line names its apiName and operation)
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
  if (
    (kind !== 'leads' &&
      kind !== 'mobjects' &&
      kind !== 'memberships' &&
      kind !== 'activities' &&
      kind !== 'customobjects') ||
    file === undefined ||
    positionals.length > 2
  ) {
    throw new UsageError(
      'usage: mktsync send leads FILE [--dedup true|false] | mktsync send mobjects FILE --operation OP | ' +
        'mktsync send memberships FILE | mktsync send activities FILE | mktsync send customobjects FILE',
    );
  }
  if (values.transport !== undefined && !isTransportKind(values.transport))
    throw new UsageError(`--transport must be ${TRANSPORT_KIND_CHOICES}, got ${values.transport}`);
  const transportKind = values.transport ?? readTransportKind(env);
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
    throw new UsageError('--operation applies to mobjects only (a custom object change names its own)');
  }

  // Read and validate everything first: nothing is sent unless every line is good.
  const lines: number[] = [];
  const leads: LeadInput[] = [];
  const objects: MObjectInput[] = [];
  const members: NonNullable<SendInput['members']> = [];
  const activities: StoredActivity[] = [];
  const customObjects: BufferedChange[] = [];
  const problems: InputProblem[] = [];
  for await (const entry of readNdjson(file)) {
    if (entry.error) {
      problems.push({ at: entry.line, field: '(record)', reason: entry.error });
      continue;
    }
    if (kind === 'memberships') {
      // The change format's own validation, refused over SOAP (which has no memberships) naming the field.
      const result = bufferedMembership(entry.value, transportKind);
      if ('problems' in result) {
        problems.push(...result.problems.map((p) => ({ at: entry.line, ...p })));
        continue;
      }
      lines.push(entry.line);
      members.push({ group: parseGroupName(result.change.group)!, data: result.change.data });
      continue;
    }
    if (kind === 'activities') {
      const activity = activityChangeSchema.safeParse(entry.value);
      if (!activity.success) problems.push(...problemsOf(activity.error, entry.line));
      else {
        lines.push(entry.line);
        activities.push(bufferedActivity(activity.data).data as StoredActivity);
      }
      continue;
    }
    if (kind === 'customobjects') {
      const checked = validateCustomObjects([entry.value], () => entry.line, { transport: transportKind });
      problems.push(...checked.problems);
      for (const v of checked.valid) {
        lines.push(entry.line);
        customObjects.push(v.change);
      }
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

  const wire = wireOf(transportKind);
  const refused = kind === 'activities' ? activityTransportProblem(wire.kind) : undefined;
  if (refused !== undefined) throw new UsageError(refused);
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
      members,
      activities,
      customObjects,
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
