import type { Fingerprint } from './fingerprint.js';
import { ABSENT_MARK, RowState, type FingerprintStore } from './fingerprint-store.js';
import type { Loaded } from './load-set.js';
import type { LoadedSet } from './loaded-set.js';

/** A row's state against the set in memory; marks the record it matches seen. */
export function stateIn(table: LoadedSet, fp: Fingerprint): RowState {
  const slot = table.findContent(fp.content.readUInt32BE(0), fp.content.readUInt32BE(4));
  if (slot >= 0) {
    table.markSeen(slot);
    return RowState.Unchanged;
  }
  const old = table.findKey(fp.keyDigest.readUInt32BE(0), fp.keyDigest.readUInt32BE(4));
  if (old < 0) return RowState.New;
  table.markSeen(old);
  return RowState.Changed;
}

/**
 * After reading, in memory: marks the records this run did not see as absent from it (a full run drops
 * them instead), and clears a mark left by the run 32767 runs ago on records seen now. Repeating it
 * after a crash writes the same.
 */
export async function settleAbsent(
  store: FingerprintStore,
  loaded: Loaded,
  stamp: number,
  full: boolean,
): Promise<void> {
  for (const batch of loaded.table.unseen(50_000)) {
    if (full) await store.remove(batch);
    else await store.setStamps(batch, stamp | ABSENT_MARK);
  }
  const stale = loaded.staleSlots.filter((s) => loaded.table.isSeen(s)).map((s) => loaded.table.keyOf(s));
  if (stale.length > 0) await store.setStamps(stale, stamp);
}
