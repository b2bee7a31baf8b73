/**
 * A set's fingerprints held in the run's memory, so that the diff asks Redis nothing per row: a table of
 * (content fingerprint, key digest) pairs in typed arrays, open-addressed by content fingerprint (an
 * unchanged row is found by one probe sequence over its line's digest) with a second index by key digest
 * (a changed row finds its old entry), and a seen-bitmap for absent records. Off the V8 heap; about
 * {@link BYTES_PER_RECORD} bytes per tracked record. Rebuilt from Redis when a run starts or resumes,
 * never checkpointed.
 */

/** Slots are at most this full (linear probing stays short). */
const LOAD = 0.8;
/** Bytes per slot: content (8) and key (8) digests, the key index (4), the seen bit. */
const BYTES_PER_SLOT = 20 + 1 / 8;
/** Bytes per tracked record, at the fullest (about 25). */
export const BYTES_PER_RECORD = BYTES_PER_SLOT / LOAD;

const slotsFor = (records: number): number => Math.max(64, Math.ceil(records / LOAD));

/** Bytes a table for `records` records takes. */
export function tableBytes(records: number): number {
  const slots = slotsFor(records);
  return slots * 20 + Math.ceil(slots / 32) * 4;
}

// Digests are uniform, so the high 32 bits scaled to the table size are a good start slot.
const startOf = (hi: number, slots: number): number => Math.floor((hi / 4294967296) * slots);

export class LoadedSet {
  private readonly cHi: Uint32Array;
  private readonly cLo: Uint32Array;
  private readonly kHi: Uint32Array;
  private readonly kLo: Uint32Array;
  /** Slot + 1 of the record with a key digest; 0 is empty. */
  private readonly byKey: Int32Array;
  private readonly seenBits: Uint32Array;
  readonly slots: number;
  size = 0;

  constructor(readonly capacity: number) {
    const slots = slotsFor(capacity);
    this.slots = slots;
    this.cHi = new Uint32Array(slots);
    this.cLo = new Uint32Array(slots);
    this.kHi = new Uint32Array(slots);
    this.kLo = new Uint32Array(slots);
    this.byKey = new Int32Array(slots);
    this.seenBits = new Uint32Array(Math.ceil(slots / 32));
  }

  /** Bytes held. */
  get bytes(): number {
    return this.slots * 20 + this.seenBits.byteLength;
  }

  /** Adds a record; returns its slot, or -1 when the table is full (the caller grows it). */
  add(keyHi: number, keyLo: number, contentHi: number, contentLo: number): number {
    if (this.size >= this.capacity) return -1;
    // (0, 0) marks an empty content slot; a stored content digest of (0, 0) (2^-64) never matches.
    if (contentHi === 0 && contentLo === 0) contentLo = 1;
    const slots = this.slots;
    let s = startOf(contentHi, slots);
    while (this.cHi[s] !== 0 || this.cLo[s] !== 0) if (++s === slots) s = 0;
    this.cHi[s] = contentHi;
    this.cLo[s] = contentLo;
    this.kHi[s] = keyHi;
    this.kLo[s] = keyLo;
    let k = startOf(keyHi, slots);
    while (this.byKey[k] !== 0) if (++k === slots) k = 0;
    this.byKey[k] = s + 1;
    this.size++;
    return s;
  }

  /** The slot holding a content fingerprint, or -1. */
  findContent(hi: number, lo: number): number {
    const slots = this.slots;
    let s = startOf(hi, slots);
    for (;;) {
      const h = this.cHi[s]!;
      const l = this.cLo[s]!;
      if (h === hi && l === lo) return h === 0 && l === 0 ? -1 : s;
      if (h === 0 && l === 0) return -1;
      if (++s === slots) s = 0;
    }
  }

  /** The slot holding a key digest, or -1. */
  findKey(hi: number, lo: number): number {
    const slots = this.slots;
    let k = startOf(hi, slots);
    for (;;) {
      const entry = this.byKey[k]!;
      if (entry === 0) return -1;
      const s = entry - 1;
      if (this.kHi[s] === hi && this.kLo[s] === lo) return s;
      if (++k === slots) k = 0;
    }
  }

  markSeen(slot: number): void {
    this.seenBits[slot >>> 5]! |= 1 << (slot & 31);
  }

  isSeen(slot: number): boolean {
    return (this.seenBits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  /** How many records this run has not seen. */
  unseenCount(): number {
    let n = 0;
    for (let s = 0; s < this.slots; s++) if ((this.cHi[s] !== 0 || this.cLo[s] !== 0) && !this.isSeen(s)) n++;
    return n;
  }

  /** The key digests of the records not seen by this run, at most `max` at a time. */
  *unseen(max: number): Generator<Buffer[]> {
    let batch: Buffer[] = [];
    for (let s = 0; s < this.slots; s++) {
      if ((this.cHi[s] === 0 && this.cLo[s] === 0) || this.isSeen(s)) continue;
      batch.push(this.keyOf(s));
      if (batch.length === max) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** The key digest of a slot. */
  keyOf(slot: number): Buffer {
    const key = Buffer.allocUnsafe(8);
    key.writeUInt32BE(this.kHi[slot]!, 0);
    key.writeUInt32BE(this.kLo[slot]!, 4);
    return key;
  }

  /**
   * A copy with room for `capacity` records (grown while loading, before any row is seen), and where
   * each old slot went.
   */
  grown(capacity: number): { table: LoadedSet; moved: Int32Array } {
    const table = new LoadedSet(capacity);
    const moved = new Int32Array(this.slots).fill(-1);
    for (let s = 0; s < this.slots; s++)
      if (this.cHi[s] !== 0 || this.cLo[s] !== 0)
        moved[s] = table.add(this.kHi[s]!, this.kLo[s]!, this.cHi[s]!, this.cLo[s]!);
    return { table, moved };
  }
}
