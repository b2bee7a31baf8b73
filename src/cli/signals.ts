import type { Logger } from '../log.js';

/**
 * Resolves on the first SIGTERM or SIGINT so the caller can drain; a second signal exits at once.
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
  });
}
