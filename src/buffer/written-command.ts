import { createHash } from 'node:crypto';
import { Command, type Cluster, type Redis } from 'ioredis';
import { luaSource } from './lua-loader.js';

/**
 * A call of one of the buffer's scripts whose protocol text is written in one pass, for calls with
 * thousands of arguments (ENQUEUE of an HTTP body: three per change). ioredis writes a command by
 * appending each argument to a string, a rope of five pieces per argument that is flattened again
 * when written to the socket; for a body of 500 changes that was about a third of the ingest
 * process's work between the scan and Redis (measured with `--cpu-prof`). The text here is the same
 * bytes, joined once.
 *
 * Only the text is new; everything else is ioredis's, as for its own script commands: the command is
 * queued, prefixed (`keyPrefix`), routed by its one key on a Cluster, redirected and answered as any
 * other. The first call on each connection is an `EVAL`, which loads the script, and later ones an
 * `EVALSHA`: the chunks of one enqueue, pipelined on a new connection after a restart or failover, then
 * run in order. Should Redis lose the script under a live connection (`SCRIPT FLUSH`: `NOSCRIPT`, and
 * nothing ran), the call is sent again as an `EVAL`.
 */
export class WrittenScript {
  private script: { lua: string; sha: string } | undefined;
  /** Connections (sockets) the script was sent on as an EVAL. */
  private readonly loaded = new WeakSet<object>();

  constructor(private readonly file: URL) {}

  /** Runs the script with one key and `args`. */
  async call(redis: Redis | Cluster, key: string, args: readonly string[]): Promise<unknown> {
    // Read on first use, as the ioredis script commands read their files (lua-loader.ts).
    this.script ??= ((lua) => ({ lua, sha: createHash('sha1').update(lua).digest('hex') }))(
      luaSource(this.file),
    );
    const keyPrefix = (redis.options as { keyPrefix?: string }).keyPrefix;
    for (let attempt = 0; ; attempt++) {
      const command = new ScriptCall(this.script, this.loaded, key, args, keyPrefix);
      try {
        return await redis.sendCommand(command);
      } catch (error) {
        // NOSCRIPT: the script did not run. Once more, as an EVAL on that connection.
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT')) || attempt > 0) throw error;
        if (command.socket !== undefined) this.loaded.delete(command.socket);
      }
    }
  }
}

/** ioredis's message for a command whose connection closed, or was not open, before its answer. */
const CONNECTION_CLOSED = 'Connection is closed.';

/**
 * One call: `EVAL` on a connection the script was not sent on yet, else `EVALSHA`. Once written, it is
 * never sent again by a Redis Cluster client: ioredis Cluster sends a command again when its
 * connection closed before the answer (its failover retry, `retryDelayOnFailover`), though Redis may
 * have run it, and ENQUEUE run twice writes a change without an idempotency key twice (a create that
 * never merges: 6 to 7 times in test/integration/cluster-lost-answer.test.ts). The Cluster puts its own
 * `reject` over the command's to retry redirections and closed connections; `reject` below hands a
 * closed connection after the write to the command's own, so the caller learns the write is unknown,
 * and everything else (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, a node connection that was not open yet, which
 * ioredis reports with the same message) to the Cluster's, which retries it as before.
 */
class ScriptCall extends Command {
  /** The socket the call was last written on; undefined until written. */
  socket: object | undefined;
  /** Written in the current attempt, with no answer yet (a redirection's answer ends the attempt). */
  written = false;
  /** The promise's own reject (set by ioredis's Command), and a Cluster's put over it. */
  declare ownReject: ((error: Error) => void) | undefined;
  declare routedReject: ((error: Error) => void) | undefined;
  constructor(
    private readonly script: { lua: string; sha: string },
    private readonly loaded: WeakSet<object>,
    key: string,
    private readonly scriptArgs: readonly string[],
    keyPrefix: string | undefined,
  ) {
    // The arguments ioredis sees are those before the script's own: it prefixes and routes by the key.
    super('evalsha', [script.sha, '1', key], keyPrefix === undefined ? {} : { keyPrefix });
  }

  override toWritable(socket: object): string {
    this.socket = socket;
    this.written = true;
    const key = String(this.args[2]);
    if (this.loaded.has(socket)) return protocolText('evalsha', [this.script.sha, '1', key], this.scriptArgs);
    this.loaded.add(socket);
    return protocolText('eval', [this.script.lua, '1', key], this.scriptArgs);
  }

  /** What `reject` answers: the command's own until a Cluster wraps it, then the choice above. */
  currentReject(): (error: Error) => void {
    const own = this.ownReject!;
    const routed = this.routedReject;
    if (routed === undefined) return own;
    return (error) => {
      if (this.written && error.message === CONNECTION_CLOSED) return own.call(this, error);
      // Redis answered (MOVED, ASK, TRYAGAIN, CLUSTERDOWN: not run), or the call was not written: the
      // Cluster may send it again, a new attempt.
      this.written = false;
      return routed.call(this, error);
    };
  }

  /** The first `reject` assigned is the command's own (ioredis's constructor), a later one a Cluster's. */
  assignReject(reject: (error: Error) => void): void {
    if (this.ownReject === undefined) this.ownReject = reject;
    else this.routedReject = reject;
  }
}

// An accessor on the prototype, not a field: ioredis assigns `reject` in Command's constructor and a
// Cluster assigns it again in sendCommand, and each assignment must reach assignReject.
Object.defineProperty(ScriptCall.prototype, 'reject', {
  configurable: true,
  get(this: ScriptCall) {
    return this.currentReject();
  },
  set(this: ScriptCall, reject: (error: Error) => void) {
    this.assignReject(reject);
  },
});

/**
 * RESP text of the command `name` with `head` then `args` as its arguments. Each argument's length is
 * its UTF-8 byte count; the text is first written with each string's length in UTF-16 units, which is
 * that count when every character is ASCII, and that is checked once over the whole text (one
 * `Buffer.byteLength` of a flat string). Measuring each of 1,500 arguments instead, most of them strings
 * joined from pieces that the measure flattens first, was the largest single part of writing an HTTP
 * body's command (`--cpu-prof`). A text with any other character is written again, measured per argument.
 */
export function protocolText(name: string, head: readonly string[], args: readonly string[]): string {
  const text = joined(name, head, args, (s) => s.length);
  return Buffer.byteLength(text) === text.length ? text : joined(name, head, args, Buffer.byteLength);
}

function joined(
  name: string,
  head: readonly string[],
  args: readonly string[],
  bytes: (s: string) => number,
): string {
  const parts = new Array<string>(1 + (head.length + args.length) * 3);
  parts[0] = `*${1 + head.length + args.length}\r\n$${bytes(name)}\r\n${name}\r\n`;
  let p = 1;
  for (const list of [head, args])
    for (const arg of list) {
      parts[p++] = `$${bytes(arg)}\r\n`;
      parts[p++] = arg;
      parts[p++] = '\r\n';
    }
  return parts.join('');
}
