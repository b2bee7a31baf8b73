/**
 * Structured logs: one JSON object per line on stdout, as log collectors expect. Only what callers put
 * in `fields` is written, and callers never put secrets there.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A JSON-lines logger writing to `stream` (stdout by default). */
export function createLogger(
  component: string,
  level: LogLevel = 'info',
  stream: NodeJS.WritableStream = process.stdout,
): Logger {
  const write = (at: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[at] < ORDER[level]) return;
    stream.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: at, component, msg, ...fields })}\n`,
    );
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** A logger that writes nothing, for library use and tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** `log` with the Marketo instance in every line's fields, so a process serving many says which one. */
export function instanceLogger(log: Logger, instance: string): Logger {
  const add = (fields?: Record<string, unknown>): Record<string, unknown> => ({ instance, ...fields });
  return {
    debug: (msg, fields) => log.debug(msg, add(fields)),
    info: (msg, fields) => log.info(msg, add(fields)),
    warn: (msg, fields) => log.warn(msg, add(fields)),
    error: (msg, fields) => log.error(msg, add(fields)),
  };
}
