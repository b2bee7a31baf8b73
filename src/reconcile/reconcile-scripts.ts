import type { Result } from 'ioredis';
import { luaScript, type LuaScript } from '../buffer/lua-loader.js';

/**
 * Reconcile's Lua scripts (`src/reconcile/lua/*.lua`), loaded by the buffer's loader. They take their
 * keys as KEYS: the fingerprint scripts a variable number of buckets (the count first), the others a
 * fixed number.
 */

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mktRcCheck(numKeys: number, ...args: (string | number | Buffer)[]): Result<string, Context>;
    mktRcDumpBuffer(numKeys: number, ...keys: string[]): Result<Buffer, Context>;
    mktRcSetStamps(numKeys: number, ...args: (string | Buffer)[]): Result<number, Context>;
    mktRcCount(numKeys: number, ...keys: string[]): Result<number, Context>;
    mktRcSettlePending(
      pendingKey: string,
      runKey: string,
      failedKey: string,
      ...args: (string | number)[]
    ): Result<number, Context>;
    mktRcTakeLock(lockKey: string, runId: string, ttlMs: number): Result<string, Context>;
    mktRcReleaseLock(lockKey: string, runId: string): Result<number, Context>;
  }
}

const DIR = new URL('./lua/', import.meta.url);

export const RECONCILE_SCRIPTS: readonly LuaScript[] = [
  luaScript('mktRcCheck', DIR, 'fingerprint-check'),
  luaScript('mktRcDump', DIR, 'fingerprint-dump'),
  luaScript('mktRcSetStamps', DIR, 'fingerprint-set-stamps'),
  luaScript('mktRcCount', DIR, 'fingerprint-count'),
  luaScript('mktRcSettlePending', DIR, 'settle-pending', 3),
  luaScript('mktRcTakeLock', DIR, 'take-lock', 1),
  luaScript('mktRcReleaseLock', DIR, 'release-lock', 1),
];
