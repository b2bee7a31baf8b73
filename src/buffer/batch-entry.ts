import type { BatchEntry } from './types.js';

/**
 * A batch entry as the scripts wrote it (JSON from Lua's cjson), read back: cjson writes an empty array
 * as `{}`, so the lists of a snapshot are read back as arrays and an empty attribute map as `{}`.
 */
export function normalizeEntry(entry: BatchEntry): BatchEntry {
  const data = entry.data as unknown as Record<string, unknown>;
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
