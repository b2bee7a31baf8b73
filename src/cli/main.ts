import { ConfigError } from '../config.js';
import { EmulatorConfigError } from '../emulator/config.js';
import { RedisUnavailableError } from '../redis.js';
import { consoleCommand } from './console-command.js';
import { demoCommand } from './demo-command.js';
import { dlqCommand } from './dlq-command.js';
import { emulatorCommand } from './emulator-command.js';
import { enqueueCommand } from './enqueue-command.js';
import { outcomesCommand } from './outcomes-command.js';
import { reconcileCommand } from './reconcile-command.js';
import { ingestCommand } from './ingest-command.js';
import { sendCommand } from './send-command.js';
import { exitOnEarlySignal } from './signals.js';
import { UsageError } from './usage-error.js';
import { workerCommand } from './worker-command.js';

const HELP = `mktsync: queue-backed batch sync of leads and objects to Marketo (REST or SOAP)

Commands:
  console    the operator console in a browser (records, dead letters, runs)
  demo       run the whole pipeline on a realistic stream (private Redis, emulator) and report
  emulator   run the built-in Marketo emulator (REST and SOAP)
  enqueue    import changes from an NDJSON or CSV file
  outcomes   print outcomes (per record, or the stream; --follow)
  dlq        list or redrive dead-lettered records
  ingest     accept changes over HTTP (POST /v1/leads, /v1/mobjects, /v1/memberships)
  reconcile  send only what changed in an export since the last run (BullMQ runs, schedules)
  send       send one batch of leads or objects straight to Marketo (debugging)
  worker     batch changes from Redis and send them to Marketo

Run 'mktsync <command> --help' for a command's options.
`;

const COMMANDS: Record<string, (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>> = {
  console: consoleCommand,
  emulator: emulatorCommand,
  demo: demoCommand,
  dlq: dlqCommand,
  enqueue: enqueueCommand,
  ingest: ingestCommand,
  outcomes: outcomesCommand,
  reconcile: reconcileCommand,
  send: sendCommand,
  worker: workerCommand,
};

/** Commands that stop cleanly on SIGTERM/SIGINT themselves (src/cli/signals.ts). */
const HANDLE_SIGNALS: ReadonlySet<string> = new Set(['worker', 'ingest', 'emulator']);

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command)
    throw new UsageError(`unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}`);
  // A signal held while loading: the long-running commands take it over (a clean stop), the others
  // do not start.
  if (!HANDLE_SIGNALS.has(name)) {
    const status = exitOnEarlySignal();
    if (status !== undefined) return status;
  }
  return command(rest, process.env);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Not a usage error: the command was right but Redis could not be used; the message says why.
    if (error instanceof RedisUnavailableError) {
      process.stderr.write(`mktsync: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    const known =
      error instanceof UsageError || error instanceof ConfigError || error instanceof EmulatorConfigError;
    const argError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(
      `mktsync: ${known || argError ? (error as Error).message : (error as Error).stack}\n`,
    );
    process.exitCode = known || argError ? 2 : 1;
  },
);
