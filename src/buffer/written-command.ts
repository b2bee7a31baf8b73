import { createHash } from 'node:crypto';
import { Command, type Cluster, type Redis } from 'ioredis';
import { luaSource } from './lua-loader.js';

/**
 * An `EVALSHA` of one of the buffer's scripts whose protocol text is written in one pass, for calls
 * with thousands of arguments (ENQUEUE of an HTTP body: three per change). ioredis writes a command by
 * appending each argument to a string, a rope of five pieces per argument that is flattened again
 * when written to the socket; for a body of 500 changes that was about a third of the ingest
 * process's work between the scan and Redis (measured with `--cpu-prof`). The text here is the same
 * bytes, joined once.
 *
 * Only the text is new: the command is queued, routed (by its one key, on a Cluster), redirected and
 * answered by ioredis as any other. When Redis does not hold the script yet (`NOSCRIPT`: nothing ran),
 * the call is made again through the script's ioredis command, which loads it.
 */
export class WrittenEvalsha {
  readonly sha: string;
  constructor(file: URL) {
    this.sha = createHash('sha1').update(luaSource(file)).digest('hex');
  }

  /**
   * Runs the script with one key and `args`; `fallback` makes the same call through ioredis (used
   * once when Redis answers NOSCRIPT).
   */
  async call<T>(
    redis: Redis | Cluster,
    key: string,
    args: readonly string[],
    fallback: () => Promise<T>,
  ): Promise<T> {
    const head = [this.sha, '1', key];
    const command = new Prewritten('evalsha', head, protocolText('evalsha', head, args));
    try {
      return (await redis.sendCommand(command)) as T;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return fallback();
      throw error;
    }
  }
}

/** A command whose protocol text was written beforehand; `args` only route it (its key). */
class Prewritten extends Command {
  constructor(
    name: string,
    args: string[],
    private readonly text: string,
  ) {
    super(name, args);
  }
  override toWritable(): string {
    return this.text;
  }
}

/** RESP text of the command `name` with `head` then `args` as its arguments. */
export function protocolText(name: string, head: readonly string[], args: readonly string[]): string {
  const parts = new Array<string>(1 + (head.length + args.length) * 3);
  parts[0] = `*${1 + head.length + args.length}\r\n$${Buffer.byteLength(name)}\r\n${name}\r\n`;
  let p = 1;
  for (const list of [head, args])
    for (const arg of list) {
      parts[p++] = `$${Buffer.byteLength(arg)}\r\n`;
      parts[p++] = arg;
      parts[p++] = '\r\n';
    }
  return parts.join('');
}
