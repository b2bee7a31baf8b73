import { luaSource } from './lua-loader.js';

/**
 * Lua spliced into the buffer's settle script (after its shared helpers, which define `K`): it keeps the
 * console's search indexes and per-minute counters in the same atomic step as each outcome, so an index
 * never names an outcome that was not written. Key names match `src/console/console-keys.ts`; it lives
 * beside the buffer's scripts because the buffer may not import the console.
 *
 * `consoleIndex(key, outcome, dead, now)` indexes a record's latest outcome (un-indexing its previous
 * one); `consoleTrim(now)` evicts records past the retention or over the count, at most 1000 per call so
 * a settle stays short (each settle adds at most a batch, so the bound holds). Settings come from the
 * `console:cfg` hash the worker writes at start; `max` 0 turns indexing off.
 */
export const CONSOLE_INDEX_LUA = luaSource(new URL('./lua/console-index.lua', import.meta.url));
