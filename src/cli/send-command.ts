import { parseArgs } from 'node:util';
import { readMarketoSettings, readTransportKind, requireMarketo } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import {
  leadRecordSchema,
  mobjectRecordSchema,
  problemsOf,
  toLeadRecord,
  toMObject,
  type InputProblem,
} from '../model/records.js';
import { MarketoSoapClient } from '../soap/client.js';
import { SoapError, MarketoFault } from '../soap/faults.js';
import { SYNC_OPERATIONS, type LeadRecord, type MObject, type SyncOperation } from '../soap/types.js';
import { XmlTextError } from '../soap/xml-text.js';
import { DEMO_ENCRYPTION_KEY, DEMO_USER_ID } from './emulator-command.js';
import { readNdjson } from './ndjson.js';
import { sendOverRest } from './send-rest.js';
import { UsageError } from './usage-error.js';

export const SEND_HELP = `mktsync send: send one batch straight to Marketo, without any queue (for debugging credentials and mappings)

Usage:
  mktsync send leads FILE [--dedup true|false] [--timeout S]
  mktsync send mobjects FILE --operation INSERT|UPDATE|UPSERT [--timeout S]
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
  const leads: LeadRecord[] = [];
  const objects: MObject[] = [];
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
    if (kind === 'leads') leads.push(toLeadRecord(parsed.data as never));
    else objects.push(toMObject(parsed.data as never));
  }
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${file}:${p.at}: ${p.field}: ${p.reason}\n`);
    process.stderr.write(`nothing sent: ${problems.length} problem(s) in ${file}\n`);
    return 2;
  }
  if (lines.length === 0) throw new UsageError(`${file} holds no records`);

  if (values.transport !== undefined && values.transport !== 'soap' && values.transport !== 'rest')
    throw new UsageError(`--transport must be soap or rest, got ${values.transport}`);
  if ((values.transport ?? readTransportKind(env)) === 'rest') {
    return sendOverRest({
      kind,
      lines,
      leads,
      objects,
      ...(dedupEnabled !== undefined ? { dedupEnabled } : {}),
      ...(operation !== undefined ? { operation } : {}),
      emulator: values.emulator,
      responseTimeoutMs: timeoutMs,
      env,
      out: (line) => process.stdout.write(line),
    });
  }

  let emulator: Emulator | undefined;
  let target: { endpoint: string; userId: string; encryptionKey: string };
  if (values.emulator) {
    emulator = await startEmulator({ userId: DEMO_USER_ID, encryptionKey: DEMO_ENCRYPTION_KEY });
    target = { endpoint: emulator.endpoint, userId: DEMO_USER_ID, encryptionKey: DEMO_ENCRYPTION_KEY };
  } else {
    target = requireMarketo(readMarketoSettings(env));
  }
  // One HTTP attempt, so that --timeout bounds the command: a debugging call shows what one call did
  // (a stale signature, 20016, is still signed again at once).
  const client = new MarketoSoapClient({ ...target, responseTimeoutMs: timeoutMs, transportRetries: 0 });
  const call = async () =>
    kind === 'leads'
      ? (await client.syncMultipleLeads(leads, dedupEnabled === undefined ? {} : { dedupEnabled })).map(
          (r) => ({
            status: r.status,
            id: r.leadId,
            error: r.error ?? null,
          }),
        )
      : (await client.syncMObjects(objects, operation!)).map((r) => ({
          status: r.status,
          id: r.id,
          error: r.error ?? null,
        }));
  try {
    const results = await call();
    results.forEach((r, i) => process.stdout.write(`${JSON.stringify({ line: lines[i], ...r })}\n`));
    return 0;
  } catch (error) {
    if (error instanceof XmlTextError) {
      const line = error.recordIndex !== undefined ? lines[error.recordIndex] : undefined;
      process.stderr.write(`${file}${line !== undefined ? `:${line}` : ''}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof SoapError) {
      const fault: Record<string, unknown> = { category: error.category, message: error.message };
      if (error instanceof MarketoFault) fault.code = error.code ?? null;
      process.stdout.write(`${JSON.stringify({ fault })}\n`);
      return 1;
    }
    throw error;
  } finally {
    client.close();
    await emulator?.close();
  }
}
