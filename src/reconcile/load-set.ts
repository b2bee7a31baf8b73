import { ABSENT_MARK, type FingerprintStore } from './fingerprint-store.js';
import { LoadedSet, tableBytes } from './loaded-set.js';

/** A set loaded for a run's in-memory diff. */
export interface Loaded {
  table: LoadedSet;
  /** Slots of records whose stamp still carries the absent mark this run would write (32767 runs ago). */
  staleSlots: number[];
}

/**
 * Loads a set's fingerprints into memory for a run with stamp `stamp`, or returns null when they do not
 * fit `limitBytes` (checked against `expected` records before reading, and again while reading, since
 * the set's count is only as recent as its last run). `enforceLimit` false loads whatever is there: a
 * resumed run that started in memory must finish in memory.
 */
export async function loadSet(
  store: FingerprintStore | undefined,
  stamp: number,
  options: { limitBytes: number; expected: number; enforceLimit: boolean },
): Promise<Loaded | null> {
  const { limitBytes, expected, enforceLimit } = options;
  const fits = (records: number): boolean => !enforceLimit || tableBytes(records) <= limitBytes;
  if (!fits(store ? expected : 0)) return null;
  let staleSlots: number[] = [];
  if (!store) return { table: new LoadedSet(0), staleSlots };
  let capacity = Math.ceil(expected * 1.02) + 1024;
  if (!fits(capacity)) capacity = expected;
  let table = new LoadedSet(capacity);
  const mark = stamp | ABSENT_MARK;
  const complete = await store.dump((records) => {
    for (let off = 0; off + 22 <= records.length; off += 22) {
      const keyHi = records.readUInt32BE(off);
      const keyLo = records.readUInt32BE(off + 4);
      const contentHi = records.readUInt32BE(off + 8);
      const contentLo = records.readUInt32BE(off + 12);
      let slot = table.add(keyHi, keyLo, contentHi, contentLo);
      if (slot < 0) {
        const more = Math.ceil(table.capacity * 1.5) + 1024;
        if (!fits(more)) return false;
        const { table: next, moved } = table.grown(more);
        staleSlots = staleSlots.map((s) => moved[s]!);
        table = next;
        slot = table.add(keyHi, keyLo, contentHi, contentLo);
      }
      if (records.readUInt16BE(off + 20) === mark) staleSlots.push(slot);
    }
    return true;
  });
  return complete ? { table, staleSlots } : null;
}
