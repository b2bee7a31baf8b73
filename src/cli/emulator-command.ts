import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator, startMultiEmulator, type EmulatorOptions } from '../emulator/index.js';
import { createLogger } from '../log.js';
import { waitForShutdown } from './signals.js';
import { UsageError } from './usage-error.js';

/** Demo credentials used when none are given, so that a first try needs no setup. */
export const DEMO_USER_ID = 'mktsync_demo_user';
export const DEMO_ENCRYPTION_KEY = 'mktsync-demo-encryption-key';
/** Demo REST credentials (the custom service's Client Id and Secret) used when none are given. */
export const DEMO_CLIENT_ID = 'mktsync_demo_client';
export const DEMO_CLIENT_SECRET = 'mktsync-demo-client-secret';

export const EMULATOR_HELP = `mktsync emulator: run the Marketo emulator (SOAP and REST on one port)

Options:
  --port P               TCP port (default 8081; 0 picks a free one)
  --host H               interface to listen on (default 127.0.0.1)
  --user-id ID           mktowsUserId it accepts (default ${DEMO_USER_ID}, or MARKETO_USER_ID)
  --encryption-key KEY   key it checks signatures with (default: the demo key, or MARKETO_ENCRYPTION_KEY)
  --client-id ID         REST Client Id it accepts (default ${DEMO_CLIENT_ID}, or MARKETO_CLIENT_ID)
  --client-secret S      REST Client Secret (default: the demo secret, or MARKETO_CLIENT_SECRET)
  --token-ttl SECONDS    lifetime of a new REST access token (default 3600; fractions allowed)
  --seed FILE            seed data JSON: programs, tags, companies, customLeadFields
  --config FILE          emulator configuration JSON (limits, modes, faults); see docs/emulator.md
  --latency MODE         none (default) or marketo (log-normal, median 250 ms, p99 1500 ms)
  --no-limits            switch off the rate, concurrency and daily quota limits
  --instances N          emulate N instances named i1…iN on the one port, each under /i/<name>/… (REST,
                         identity, SOAP, /_emulator admin) with its own limits, state and the same credentials
`;

async function readJson(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** The names `mktsync emulator --instances N` and `mktsync demo --instances N` give: i1 … iN. */
export function emulatedInstanceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `i${i + 1}`);
}

/** Realistic SOAP latency for demos and latency benchmarks. */
export const MARKETO_LIKE_LATENCY = { medianMs: 250, p99Ms: 1500 } as const;

export async function emulatorCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8081' },
      host: { type: 'string', default: '127.0.0.1' },
      'user-id': { type: 'string' },
      'encryption-key': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'token-ttl': { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string' },
      latency: { type: 'string', default: 'none' },
      'no-limits': { type: 'boolean', default: false },
      instances: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(EMULATOR_HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535, got ${values.port}`);
  if (!['none', 'marketo'].includes(values.latency))
    throw new UsageError(`--latency must be none or marketo, got ${values.latency}`);
  const tokenTtl = values['token-ttl'] === undefined ? undefined : Number(values['token-ttl']);
  if (tokenTtl !== undefined && !(Number.isFinite(tokenTtl) && tokenTtl > 0))
    throw new UsageError(`--token-ttl must be a positive number of seconds, got ${values['token-ttl']}`);
  const fileConfig = values.config
    ? ((await readJson(values.config, '--config')) as Record<string, unknown>)
    : {};
  const options: EmulatorOptions = {
    ...fileConfig,
    port,
    host: values.host,
    userId: values['user-id'] ?? env.MARKETO_USER_ID ?? DEMO_USER_ID,
    encryptionKey: values['encryption-key'] ?? env.MARKETO_ENCRYPTION_KEY ?? DEMO_ENCRYPTION_KEY,
  };
  const fileRest = (fileConfig.rest ?? {}) as Record<string, unknown>;
  options.rest = {
    ...fileRest,
    clientId:
      values['client-id'] ??
      env.MARKETO_CLIENT_ID ??
      (fileRest.clientId as string | undefined) ??
      DEMO_CLIENT_ID,
    clientSecret:
      values['client-secret'] ??
      env.MARKETO_CLIENT_SECRET ??
      (fileRest.clientSecret as string | undefined) ??
      DEMO_CLIENT_SECRET,
  };
  if (tokenTtl !== undefined) options.rest.tokenTtlSeconds = tokenTtl;
  if (values.seed) options.seed = (await readJson(values.seed, '--seed')) as EmulatorOptions['seed'];
  if (values.latency === 'marketo')
    options.faults = { ...(options.faults ?? {}), latency: MARKETO_LIKE_LATENCY };
  if (values['no-limits']) options.limits = { rateCalls: null, concurrency: null, dailyQuota: null };
  const log = createLogger('emulator');
  if (values.instances !== undefined) {
    const count = Number(values.instances);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      throw new UsageError(`--instances must be 1–1000, got ${values.instances}`);
    const { port: _port, host: _host, ...config } = options;
    const multi = await startMultiEmulator({
      port,
      host: values.host,
      instances: Object.fromEntries(emulatedInstanceNames(count).map((name) => [name, config])),
    });
    log.info('Marketo emulator listening for several instances', {
      url: multi.url,
      instances: count,
      restEndpoint: `${multi.url}/i/<name>`,
      soapEndpoint: `${multi.url}/i/<name>/soap/mktows/2_3`,
    });
    await waitForShutdown(log);
    await multi.close();
    return 0;
  }
  const emulator = await startEmulator(options);
  log.info('Marketo SOAP emulator listening', {
    endpoint: emulator.endpoint,
    wsdl: `${emulator.endpoint}?WSDL`,
    userId: emulator.config().userId,
    demoKey: emulator.config().encryptionKey === DEMO_ENCRYPTION_KEY,
  });
  log.info('Marketo REST emulator listening', {
    restEndpoint: emulator.restEndpoint,
    identityEndpoint: emulator.identityEndpoint,
    clientId: emulator.config().rest.clientId,
    demoSecret: emulator.config().rest.clientSecret === DEMO_CLIENT_SECRET,
    tokenTtlSeconds: emulator.config().rest.tokenTtlSeconds,
  });
  await waitForShutdown(log);
  await emulator.close();
  return 0;
}
