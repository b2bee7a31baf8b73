import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const BIN = resolve(import.meta.dirname, '../../bin/mktsync.js');

/** Runs `mktsync ARGS` to completion. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** What {@link runCliWithin} saw: the exit, whether it had to be killed, its output, how long it ran. */
export interface BoundedRun {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `mktsync ARGS`, killing it after `limitMs` and saying so: for commands that must end by
 * themselves (a test of one that never ends fails instead of hanging).
 */
export function runCliWithin(
  args: string[],
  env: Record<string, string | undefined> = {},
  limitMs = 30_000,
): Promise<BoundedRun> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, killed, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Starts a long-running `mktsync ARGS` and resolves with it and its first JSON log line matching `ready`. */
export function startCli(
  args: string[],
  ready: (line: Record<string, unknown>) => boolean,
  env: Record<string, string | undefined> = {},
): Promise<{ child: ChildProcess; line: Record<string, unknown>; stop: () => Promise<number | null> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const stop = async (): Promise<number | null> => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    };
    child.on('exit', (code) =>
      reject(new Error(`mktsync ${args.join(' ')} exited with ${code} before it was ready: ${stderr}`)),
    );
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (ready(line)) resolvePromise({ child, line, stop });
      } catch {
        // not a log line
      }
    });
  });
}
