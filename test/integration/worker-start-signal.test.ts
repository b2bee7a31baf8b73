import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';
import { freshPrefix } from '../helpers/pipeline.js';

/**
 * Issue 19 item 5: a worker sent SIGTERM while it is still starting stops cleanly (exit status 0)
 * instead of being ended by the signal. The signal is sent from inside the process at a fixed point of
 * its startup (test/helpers/term-while-loading.mjs), before the CLI's sources are loaded.
 */

const PRELOAD = pathToFileURL(resolve(import.meta.dirname, '../helpers/term-while-loading.mjs')).href;
let f: EmulatorFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', PRELOAD, BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal, output })),
  );
}

describe('SIGTERM while the CLI is still loading', () => {
  it('a worker stops cleanly, exit status 0, not ended by the signal', async () => {
    f = await startFixture();
    const exit = await run(['worker'], {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: freshPrefix(),
      MARKETO_TRANSPORT: 'soap',
      MARKETO_REST_ENDPOINT: undefined,
      MARKETO_SOAP_ENDPOINT: f.emulator.endpoint,
      MARKETO_USER_ID: f.credentials.userId,
      MARKETO_ENCRYPTION_KEY: f.credentials.encryptionKey,
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
    });
    expect(exit.signal, exit.output).toBeNull();
    expect(exit.code, exit.output).toBe(0);
    expect(exit.output).toMatch(/shutting down/);
  });

  it('a command without its own shutdown does not start, and exits 143 rather than by the signal', async () => {
    const exit = await run(['outcomes', '--help'], {});
    expect(exit.signal, exit.output).toBeNull();
    expect(exit.code, exit.output).toBe(143);
  });
});
