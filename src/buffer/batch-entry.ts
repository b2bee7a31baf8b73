import { foldWaiting } from './stored-merge.js';
import type { BatchEntry } from './types.js';

/**
 * A batch entry as the scripts wrote it (JSON from Lua's cjson), read back: cjson writes an empty array
 * as `{}`, so the lists of a snapshot are read back as arrays and an empty attribute map as `{}`; a
 * lead's changes that waited in its record (`more`) are merged into its data.
 */
export function normalizeEntry(entry: BatchEntry): BatchEntry {
  const data = entry.data as unknown as Record<string, unknown>;
  // A lead's changes that waited in its record (common.lua's `more`), merged here rather than in Redis.
  const waiting = (entry as { more?: unknown }).more;
  if (typeof waiting === 'string') {
    foldWaiting(data, waiting);
    delete (entry as { more?: unknown }).more;
  }
  for (const list of ['typeAttributes', 'associations']) {
    if (data[list] !== undefined && !Array.isArray(data[list]))
      data[list] = Object.values(data[list] as object);
  }
  for (const t of (data.typeAttributes as { attributes: unknown }[] | undefined) ?? []) {
    if (Array.isArray(t.attributes)) t.attributes = {};
  }
  if (Array.isArray(data.attributes)) data.attributes = {};
  return entry;
}
