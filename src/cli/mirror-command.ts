import { parseArgs } from 'node:util';
import {
  readCommonRedis,
  readIntakeSettings,
  readReconcileSettings,
  readTransportKind,
  redisTarget,
} from '../config.js';
import { createProducer } from '../producer/producer.js';
import { mirrorPlan, readMirrorExport, type ListMember } from '../reconcile/list-mirror.js';
import { isUrl, openSource } from '../reconcile/source.js';
import { RestTransport } from '../rest/client.js';
import { assetIdProblem } from '../vocabulary/member-groups.js';
import { wireOf } from '../wire/registry.js';
import { UsageError } from './usage-error.js';

export const MIRROR_HELP = `mktsync reconcile mirror: make a static list hold exactly the leads of an export (REST)

Usage:
  mktsync reconcile mirror --list LIST_ID SRC [--format csv|ndjson]

SRC (a path, an http(s) URL or '-') names every lead the list should hold: NDJSON lines {"Id": 42},
{"Email": "ann@example.com"} (or {"lead": {...}}), or CSV with an Id or Email column. Every lead of
the export is added (ADD changes, merged per list and lead like any membership change), and every
member of the list (read with Get Leads by List) that the export does not name is removed (REMOVE).
Nothing is removed unless both were read whole: a line that names no lead, a source that fails or
ends early, or more than 2,000,000 leads, and nothing is sent at all; a failed read of the list's
members, and only the adds are sent. Prints a JSON summary; exit 0 when both were read whole, 1 when
not. Uses REDIS_URL, MKTSYNC_PREFIX, MARKETO_TRANSPORT=rest and the MARKETO_REST_* settings.
`;

export async function mirrorCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      list: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(MIRROR_HELP);
    return 0;
  }
  const listId = Number(values.list);
  const idProblem = values.list === undefined ? 'is required' : assetIdProblem(listId);
  if (idProblem !== undefined) throw new UsageError(`--list ${idProblem}`);
  const [source] = positionals;
  if (source === undefined || positionals.length > 1) throw new UsageError('give one export SRC');
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'ndjson')
    throw new UsageError('--format must be csv or ndjson');
  if (readTransportKind(env) !== 'rest')
    throw new UsageError('static lists exist over REST only: set MARKETO_TRANSPORT=rest');
  const reconcile = readReconcileSettings(env);
  const common = readCommonRedis(env);

  const opened = await openSource(source, 'leads', {
    format: values.format as 'csv' | 'ndjson' | undefined,
    limits: { maxBytes: reconcile.maxBytes, maxLineBytes: reconcile.maxLineBytes, connectTimeoutMs: 30_000 },
  });
  const exported = await readMirrorExport(opened.batches).finally(() => opened.close());

  let members: { ok: true; members: ListMember[] } | { ok: false; problem: string } = {
    ok: false,
    problem: 'not read: the export was not read whole',
  };
  if (exported.ok) {
    const transport = wireOf('rest').forSend({ from: 'env', env }, 60_000).transport;
    try {
      if (!(transport instanceof RestTransport)) throw new TypeError('the REST wire built another transport');
      members = { ok: true, members: await transport.listMembers(listId) };
    } catch (error) {
      members = { ok: false, problem: (error as Error).message };
    } finally {
      transport.close();
    }
  }
  const plan = mirrorPlan(listId, exported, members);
  const producer = await createProducer({
    ...redisTarget(common),
    prefix: common.prefix,
    ...readIntakeSettings(env),
  });
  try {
    const result = await producer.enqueueMemberships([...plan.adds, ...plan.removes]);
    process.stdout.write(
      `${JSON.stringify({
        list: listId,
        source: isUrl(source) ? '(url)' : source,
        exported: exported.refs.length,
        members: members.ok ? members.members.length : null,
        adds: plan.adds.length,
        removes: plan.removes.length,
        accepted: result.accepted.length,
        rejected: result.rejected.length,
        ...(plan.noRemovalBecause !== undefined ? { noRemovalBecause: plan.noRemovalBecause } : {}),
      })}\n`,
    );
    return plan.noRemovalBecause === undefined && result.rejected.length === 0 ? 0 : 1;
  } finally {
    await producer.close();
  }
}
