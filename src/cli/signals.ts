import type { Logger } from '../log.js';

/** What bin/mktsync.js leaves for the command: the signal it held while the CLI was loading. */
interface EarlySignals {
  signal: NodeJS.Signals | undefined;
  listener: (signal: NodeJS.Signals) => void;
}
const EARLY = Symbol.for('mktsync.early-signals');

/**
 * Takes over from the handler bin/mktsync.js installs before loading the CLI: removes it and returns
 * the signal it held, if any. Commands that handle signals call it once their own handlers are in
 * place; the others through {@link exitOnEarlySignal}.
 */
export function takeEarlySignal(): NodeJS.Signals | undefined {
  const holder = globalThis as unknown as Record<symbol, EarlySignals | undefined>;
  const early = holder[EARLY];
  if (early === undefined) return undefined;
  process.removeListener('SIGTERM', early.listener);
  process.removeListener('SIGINT', early.listener);
  holder[EARLY] = undefined;
  return early.signal;
}

/**
 * For a command without its own signal handling: back to the default action, and the exit status of
 * that signal (128 + its number) when one arrived while loading, so that the command does not start.
 */
export function exitOnEarlySignal(): number | undefined {
  const signal = takeEarlySignal();
  if (signal === undefined) return undefined;
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * Resolves on the first SIGTERM or SIGINT so the caller can drain; a second signal exits at once. A
 * signal held while the CLI was loading counts as the first.
 */
export function waitForShutdown(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        log.warn('second signal: exiting now', { signal });
        process.exit(130);
      }
      received = true;
      log.info('shutting down', { signal });
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const early = takeEarlySignal();
    if (early !== undefined) onSignal(early);
  });
}
