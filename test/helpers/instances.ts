import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMultiEmulator, type MultiEmulator } from '../../src/emulator/index.js';
import type { EmulatorConfigInput } from '../../src/emulator/config.js';
import type { TransportKind } from '../../src/vocabulary/transport-kinds.js';

/** Several emulated instances on one port and the instances file (and secrets) pointing workers at them. */
/** Settings for a worker in the instance tests: quick batches, no waiting for quiet, no HTTP beyond the health port. */
export const INSTANCE_WORKER_ENV = {
  MKTSYNC_LINGER_MS: '50',
  MKTSYNC_QUIET_MS: '0',
  MKTSYNC_HTTP_PORT: '0',
  MKTSYNC_HTTP_HOST: '127.0.0.1',
  MKTSYNC_RECONCILE: 'off',
  MKTSYNC_ABANDONED_APPLY_MS: '0',
} as const;

export interface InstancesFixture {
  emulator: MultiEmulator;
  /** The file's path. */
  file: string;
  /** MKTSYNC_INSTANCES_FILE and the variables holding the instances' secrets. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Emulates `instances` (name → transport) on one port, each with its own fresh credentials, and
 * writes an instances file for them: REST secrets in environment variables, SOAP keys in files.
 */
export async function startInstances(
  instances: Readonly<Record<string, TransportKind>>,
  options: {
    emulator?: Partial<EmulatorConfigInput>;
    defaultInstance?: string;
    /** Extra fields per instance in the file (limits, legacyKeys). */
    extra?: Readonly<Record<string, Record<string, unknown>>>;
  } = {},
): Promise<InstancesFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'mktsync-inst-'));
  const creds = Object.fromEntries(
    Object.keys(instances).map((name) => [
      name,
      {
        userId: `user_${randomBytes(3).toString('hex')}`,
        encryptionKey: randomBytes(12).toString('hex'),
        clientId: `client-${name}`,
        clientSecret: randomBytes(12).toString('hex'),
      },
    ]),
  );
  const emulator = await startMultiEmulator({
    instances: Object.fromEntries(
      Object.keys(instances).map((name) => {
        const c = creds[name]!;
        return [
          name,
          {
            userId: c.userId,
            encryptionKey: c.encryptionKey,
            ...options.emulator,
            rest: { clientId: c.clientId, clientSecret: c.clientSecret, ...options.emulator?.rest },
          },
        ];
      }),
    ),
  });
  const env: Record<string, string> = {};
  const entries = Object.entries(instances).map(([name, transport]) => {
    const c = creds[name]!;
    const at = emulator.instance(name);
    const secretVar = `TEST_SECRET_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
    env[secretVar] = c.clientSecret;
    const keyFile = join(dir, `${name}.key`);
    writeFileSync(keyFile, `${c.encryptionKey}\n`);
    return {
      name,
      transport,
      ...(transport === 'rest'
        ? { rest: { endpoint: at.restEndpoint, clientId: c.clientId, clientSecret: { env: secretVar } } }
        : { soap: { endpoint: at.endpoint, userId: c.userId, encryptionKey: { file: keyFile } } }),
      ...options.extra?.[name],
    };
  });
  const file = join(dir, 'instances.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...(options.defaultInstance ? { default: options.defaultInstance } : {}),
      instances: entries,
    }),
  );
  env.MKTSYNC_INSTANCES_FILE = file;
  return { emulator, file, env, close: () => emulator.close() };
}
