import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { BATCH_GROUPS, mergedGroup } from '../vocabulary/batch-groups.js';
import { MEMBER_GROUP_PATTERNS } from '../vocabulary/member-groups.js';

/**
 * The one way mktsync loads its Lua scripts. Each script is a `.lua` file beside the module that
 * lists it (`src/buffer/lua/`, `src/reconcile/lua/`; `npm run build` copies them to the same place
 * under `dist/`), with a header saying what it takes in KEYS and ARGV and what it writes. Scripts are
 * defined as ioredis commands (EVALSHA, falling back to EVAL once after a Redis restart), so that they
 * work alike on a connection, in a pipeline and in a MULTI.
 *
 * Two directives are resolved when a script is read:
 * - `--- @include "name"`: the text of `name.lua` from the same folder (shared helpers);
 * - `--- @generated "name"`: Lua generated from the TypeScript vocabulary (see {@link GENERATED}), so
 *   that a list the scripts need is still written once.
 */

type RedisLike = Redis | Cluster;

/** One Lua script and the ioredis command it becomes. */
export interface LuaScript {
  /** The command name on the connection, e.g. `mktClaim`. */
  readonly command: string;
  /** The `.lua` file. */
  readonly file: URL;
  /** How many KEYS every call passes; absent: the call passes the count as its first argument. */
  readonly numberOfKeys?: number;
}

/** A script `name`.lua in `dir` (a folder URL ending in `/`). */
export function luaScript(command: string, dir: URL, name: string, numberOfKeys?: number): LuaScript {
  const file = new URL(`${name}.lua`, dir);
  return numberOfKeys === undefined ? { command, file } : { command, file, numberOfKeys };
}

/** A Lua string literal for a plain name (group names are letters, digits and colons). */
function lua(text: string): string {
  if (!/^[A-Za-z0-9:_|]+$/.test(text))
    throw new TypeError(`not a plain name for Lua: ${JSON.stringify(text)}`);
  return `'${text}'`;
}

/** A Lua string literal for a Lua pattern (printable ASCII without quotes or backslashes). */
function luaPattern(text: string): string {
  if (!/^[\x20-\x7e]+$/.test(text) || /['"\\]/.test(text))
    throw new TypeError(`not a plain pattern for Lua: ${JSON.stringify(text)}`);
  return `'${text}'`;
}

/**
 * The batch groups for the buffer's scripts: `GROUPS[name] = true` for every group a worker claims
 * from, and `MERGED['older|newer']` where {@link mergedGroup} is not simply the newer group.
 */
function groupsTable(): string {
  const groups = BATCH_GROUPS.map((g) => `[${lua(g)}] = true`).join(', ');
  const merged: string[] = [];
  for (const older of BATCH_GROUPS)
    for (const newer of BATCH_GROUPS) {
      const to = mergedGroup(older, newer);
      if (to !== newer) merged.push(`[${lua(`${older}|${newer}`)}] = ${lua(to)}`);
    }
  const patterns = MEMBER_GROUP_PATTERNS.map(luaPattern).join(', ');
  return `local GROUPS = { ${groups} }\nlocal MERGED = { ${merged.join(', ')} }\nlocal MEMBER_PATTERNS = { ${patterns} }`;
}

/** What `--- @generated "name"` is replaced with. */
export const GENERATED: Readonly<Record<string, () => string>> = { groups: groupsTable };

const DIRECTIVE = /^--- @(include|generated) "([a-z0-9-]+)"$/gm;
const sources = new Map<string, string>();

/**
 * The text of a script with its directives resolved. A missing file throws naming the path (a build
 * that did not copy the `.lua` files fails at the first connection, not at the first call).
 */
export function luaSource(file: URL): string {
  const cached = sources.get(file.href);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(fileURLToPath(file), 'utf8');
  } catch (error) {
    throw new Error(`Lua script ${fileURLToPath(file)} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const resolved = text.replace(DIRECTIVE, (_, kind: string, name: string) => {
    if (kind === 'include') return luaSource(new URL(`${name}.lua`, file));
    const generate = GENERATED[name];
    if (generate === undefined) throw new Error(`${fileURLToPath(file)}: no generated Lua named "${name}"`);
    return generate();
  });
  sources.set(file.href, resolved);
  return resolved;
}

/** Defines `scripts` as commands on `redis` (once per connection). */
export function defineScripts(redis: RedisLike, scripts: readonly LuaScript[]): void {
  for (const script of scripts) {
    if (script.command in redis) continue;
    const lua = luaSource(script.file);
    redis.defineCommand(
      script.command,
      script.numberOfKeys === undefined ? { lua } : { lua, numberOfKeys: script.numberOfKeys },
    );
  }
}
