import { Redis, Cluster, type RedisOptions } from 'ioredis';
import type { Logger } from './log.js';
import { safeUrl } from './safe-url.js';

/** How to reach Redis: a URL (`redis://`, `rediss://`), or cluster seed nodes. */
export interface RedisTarget {
  /** e.g. `redis://localhost:6379`. */
  url?: string;
  /** Redis Cluster seed nodes as `host:port`; used instead of `url` when given. */
  clusterNodes?: string[];
}

/** Options of {@link connectRedis}. */
export interface ConnectOptions {
  /**
   * Where to say why Redis cannot be used while the connection keeps retrying: the first failure at
   * once, then at most one line per {@link ConnectOptions.logEveryMs} (and at once when the reason changes).
   */
  log?: Logger;
  /** @defaultValue 30000 */
  logEveryMs?: number;
}

/** Redis could not be used: unreachable, refusing the credentials, or not ready in time. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  constructor(
    message: string,
    /** `auth` when Redis refused the credentials (wrong or missing password, unknown user). */
    readonly reason: 'auth' | 'unreachable',
  ) {
    super(message);
  }
}

interface ConnectionState {
  /** Where the connection goes, safe to print (no password). */
  target: string;
  /** The last failure, in words, or undefined while the connection works. */
  problem?: string;
  auth: boolean;
  failures: number;
}

const states = new WeakMap<Redis | Cluster, ConnectionState>();

// Redis answers a bad password with WRONGPASS (or ERR invalid password before 6.0), a missing one
// with NOAUTH, and a user without the right to connect with NOPERM.
const AUTH_ERROR = /^(WRONGPASS|NOAUTH|NOPERM)\b|^ERR invalid password|^ERR AUTH .*failed/;

function describe(error: Error): { text: string; auth: boolean } {
  const message = error.message.replace(/^Ready check failed: /, '');
  if (AUTH_ERROR.test(message)) {
    return {
      text: `authentication failed: Redis refused the credentials (${message.trim()}); check the password or user in REDIS_URL`,
      auth: true,
    };
  }
  return { text: message, auth: false };
}

/**
 * A connection for a role: `worker` waits through Redis outages (commands queue and retry), `producer`
 * fails fast so that callers learn at once that a change was not accepted.
 */
export function connectRedis(
  target: RedisTarget,
  role: 'worker' | 'producer',
  options: ConnectOptions = {},
): Redis | Cluster {
  const redisOptions: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : {
          // Every closed connection settles the calls it had not answered, as unknown. With 1, ioredis
          // settled them only at every second close: after a first close with a reconnect at the first
          // try it kept them aside and, not resending them (below), dropped them unanswered, and the
          // enqueue never finished (test/integration/cluster-lost-answer.test.ts, single Redis).
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          connectTimeout: 5_000,
          // A write whose answer was lost is reported unknown to the producer; ioredis resending it on
          // reconnect could write a keyless create twice behind that report.
          autoResendUnfulfilledCommands: false,
        };
  redisOptions.lazyConnect = false;
  let client: Redis | Cluster;
  let shown: string;
  if (target.clusterNodes && target.clusterNodes.length > 0) {
    shown = `Redis Cluster ${target.clusterNodes.join(',')}`;
    client = new Cluster(
      target.clusterNodes.map((n) => {
        const [host, port] = n.split(':');
        return { host: host!, port: Number(port) };
      }),
      { redisOptions, enableOfflineQueue: redisOptions.enableOfflineQueue! },
    );
  } else {
    const url = target.url ?? 'redis://127.0.0.1:6379';
    shown = `Redis at ${safeUrl(url)}`;
    client = new Redis(url, redisOptions);
  }
  const state: ConnectionState = { target: shown, auth: false, failures: 0 };
  states.set(client, state);
  const log = options.log;
  const every = options.logEveryMs ?? 30_000;
  let loggedAt = 0;
  let suppressed = 0;
  // ioredis reconnects by itself; failures are remembered for waitReady and readiness, and logged.
  client.on('error', (error: Error) => {
    const { text, auth } = describe(error);
    const changed = text !== state.problem;
    state.problem = text;
    state.auth = auth;
    state.failures++;
    if (!log) return;
    const now = Date.now();
    if (changed || now - loggedAt >= every) {
      log.error(`cannot use ${shown}: retrying`, {
        reason: text,
        failures: state.failures,
        ...(suppressed > 0 ? { sameFailuresNotLogged: suppressed } : {}),
      });
      loggedAt = now;
      suppressed = 0;
    } else suppressed++;
  });
  client.on('ready', () => {
    if (log && state.problem !== undefined)
      log.info(`${shown} is reachable again`, { after: state.failures });
    state.problem = undefined;
    state.auth = false;
    state.failures = 0;
  });
  return client;
}

/**
 * Why `redis` cannot be used now, in words (e.g. "Redis at redis://h:6379/ is reconnecting: connect
 * ECONNREFUSED …"), or null when it is ready.
 */
export function redisProblem(redis: Redis | Cluster): string | null {
  if (redis.status === 'ready') return null;
  const state = states.get(redis);
  const where = state?.target ?? 'Redis';
  return state?.problem !== undefined
    ? `${where} is ${redis.status}: ${state.problem}`
    : `${where} is ${redis.status}`;
}

/** Options of {@link waitReady}. */
export interface WaitOptions {
  /**
   * Give up after this many failed connection attempts in a row (one-shot commands: say why and
   * exit); `Infinity` keeps waiting (long-running commands, which log and report why instead).
   * @defaultValue 3
   */
  attempts?: number;
  /**
   * Give up at once when Redis refuses the credentials.
   * @defaultValue true
   */
  failOnAuth?: boolean;
}

/**
 * Resolves once the connection is ready. Otherwise rejects with a {@link RedisUnavailableError} saying
 * why (an authentication failure is named as such) after `timeoutMs`, after `attempts` failed
 * connection attempts, or at the first authentication failure, and closes the connection so that
 * nothing keeps retrying behind the caller's back.
 */
export async function waitReady(
  redis: Redis | Cluster,
  timeoutMs = 10_000,
  options: WaitOptions = {},
): Promise<void> {
  if (redis.status === 'ready') return;
  const attempts = options.attempts ?? 3;
  const failOnAuth = options.failOnAuth ?? true;
  const state = states.get(redis);
  const where = state?.target ?? 'Redis';
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    let failures = 0;
    const giveUp = (why: string, auth: boolean): void => {
      cleanup();
      redis.disconnect();
      reject(new RedisUnavailableError(`cannot use ${where}: ${why}`, auth ? 'auth' : 'unreachable'));
    };
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          const last = state?.problem;
          giveUp(
            `not ready within ${timeoutMs} ms (${last ?? `status ${redis.status}`})`,
            state?.auth ?? false,
          );
        }, timeoutMs)
      : undefined;
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      failures++;
      const { text, auth } = describe(error);
      if (auth && failOnAuth) giveUp(text, true);
      else if (failures >= attempts)
        giveUp(`${text} (${failures} attempts in ${((Date.now() - started) / 1000).toFixed(1)} s)`, auth);
    };
    const onEnd = (): void => {
      cleanup();
      reject(new RedisUnavailableError(`cannot use ${where}: the connection was closed`, 'unreachable'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.on('end', onEnd);
  });
}
