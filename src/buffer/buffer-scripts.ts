import type { Result } from 'ioredis';
import { luaScript, type LuaScript } from './lua-loader.js';

/**
 * The buffer's Lua scripts (`src/buffer/lua/*.lua`; each file's header says what it takes and
 * writes). Each runs atomically in Redis, so coalescing, claiming a batch (with the shared rate and
 * concurrency gates), settling outcomes and recovering crashed batches never race. KEYS[1] is always
 * the sequence counter: it routes the call to the slot of the `{prefix}` hash tag, and every other key
 * is built from ARGV[1], the same `{prefix}` base.
 */

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mktEnqueue(seqKey: string, args: (string | number)[]): Result<(number | string)[], Context>;
    mktClaim(seqKey: string, base: string, options: string): Result<string[], Context>;
    mktTakeToken(seqKey: string, ...args: (string | number)[]): Result<number, Context>;
    mktSettle(seqKey: string, base: string, options: string, actions: string): Result<string, Context>;
    mktRenew(seqKey: string, ...args: (string | number)[]): Result<number, Context>;
    mktSweep(seqKey: string, ...args: (string | number)[]): Result<number, Context>;
    mktPause(seqKey: string, ...args: (string | number)[]): Result<number, Context>;
    mktRedrive(seqKey: string, ...args: (string | number)[]): Result<string[], Context>;
    mktResolve(seqKey: string, base: string, options: string): Result<string[], Context>;
  }
}

const DIR = new URL('./lua/', import.meta.url);

/** ENQUEUE, also called with its protocol text written in one pass (buffer.ts, written-command.ts). */
export const ENQUEUE_SCRIPT = luaScript('mktEnqueue', DIR, 'enqueue', 1);

export const BUFFER_SCRIPTS: readonly LuaScript[] = [
  ENQUEUE_SCRIPT,
  luaScript('mktClaim', DIR, 'claim', 1),
  luaScript('mktTakeToken', DIR, 'take-token', 1),
  luaScript('mktSettle', DIR, 'settle', 1),
  luaScript('mktRenew', DIR, 'renew', 1),
  luaScript('mktSweep', DIR, 'sweep', 1),
  luaScript('mktPause', DIR, 'pause', 1),
  luaScript('mktRedrive', DIR, 'redrive', 1),
  luaScript('mktResolve', DIR, 'resolve', 1),
];
