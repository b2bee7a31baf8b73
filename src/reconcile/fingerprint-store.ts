import type { Cluster, Redis } from 'ioredis';
import { defineScripts } from '../buffer/lua-loader.js';
import { RECONCILE_SCRIPTS } from './reconcile-scripts.js';
import type { Fingerprint } from './fingerprint.js';
import { FINGERPRINT_SLOT_GROUPS, type ReconcileKeys } from './reconcile-keys.js';

type RedisLike = Redis | Cluster;

/**
 * A set's fingerprints: what Marketo last confirmed for each record. Records are spread over small
 * hashes ("buckets") by their key digest, sized so that each stays a listpack (Redis's compact encoding,
 * at most `hash-max-listpack-entries` = 128 fields by default): a record costs its 8-byte key digest as
 * field and a 14-byte value (8-byte content fingerprint, 4-byte Marketo id, 2-byte run stamp), about
 * 26 bytes in the listpack plus its share of the bucket's key.
 *
 * The stamp says which records were absent from the set's last run without keeping the record keys
 * (see {@link ABSENT_MARK}).
 */

/** Average records per bucket aimed at when sizing; resized outside [MIN_FILL, MAX_FILL]. */
export const TARGET_FILL = 80;
const MAX_FILL = 100;
const MIN_FILL = 30;
/** Fewest buckets a set has (small sets pay the per-key overhead; they are small). */
export const MIN_BUCKETS = 16;

/** What {@link FingerprintStore.check} says of a record. */
export const enum RowState {
  New = 0,
  Unchanged = 1,
  Changed = 2,
}

/** Buckets per dump or count call (about 80 records each). */
const BUCKETS_PER_CALL = 128;

/**
 * Stamps: a record's 2-byte stamp is the number (1..32767) of the last run that saw it, written when
 * the run checks it in Redis or commits it; a run that diffs in memory instead marks the records absent
 * from it with its number plus {@link ABSENT_MARK}. The set's metadata says which way its last run went.
 */
export const ABSENT_MARK = 0x8000;
/** Run numbers cycle through 1..MAX_STAMP. */
export const MAX_STAMP = 0x7fff;

/** Whether a record's stamp says it was absent from the run `lastStamp` (which marked absent ones or not). */
export function absentFrom(recordStamp: number, lastStamp: number, marked: boolean): boolean {
  return marked ? recordStamp === (lastStamp | ABSENT_MARK) : recordStamp !== lastStamp;
}

/** The number of buckets for `records` records. */
export function bucketsFor(records: number): number {
  return Math.max(MIN_BUCKETS, Math.ceil(records / TARGET_FILL));
}

/** A run's 2-byte stamp. */
export function stampBytes(stamp: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(stamp);
  return b;
}

/** A stored value: fingerprint, Marketo id (0 when unknown), stamp. */
export function storedValue(content: Buffer, marketoId: number | null, stamp: number): Buffer {
  const v = Buffer.alloc(14);
  content.copy(v, 0, 0, 8);
  v.writeUInt32BE(marketoId !== null && marketoId > 0 && marketoId <= 0xffffffff ? marketoId : 0, 8);
  v.writeUInt16BE(stamp, 12);
  return v;
}

/** One stored record as a scan sees it. */
export interface ScannedRecord {
  keyDigest: Buffer;
  marketoId: number | null;
  stamp: number;
}

export class FingerprintStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: ReconcileKeys,
    readonly set: string,
    readonly buckets: number,
    readonly generation: number,
  ) {
    defineScripts(redis, RECONCILE_SCRIPTS);
  }

  bucketOf(keyDigest: Buffer): number {
    return keyDigest.readUInt32BE(0) % this.buckets;
  }

  bucketKey(bucket: number): string {
    return this.keys.bucket(this.set, this.generation, bucket);
  }

  /**
   * Compares records with the stored fingerprints and stamps the ones it finds with `stamp` (seen by
   * this run). One script call per slot group, so the cost is a few calls per chunk.
   */
  async check(rows: readonly Fingerprint[], stamp: number): Promise<RowState[]> {
    const stampArg = stampBytes(stamp);
    const groups = new Map<number, { keys: string[]; index: Map<number, number>; rows: number[] }>();
    const buckets = new Array<number>(rows.length);
    rows.forEach((row, i) => {
      const bucket = this.bucketOf(row.keyDigest);
      buckets[i] = bucket;
      const g = bucket % FINGERPRINT_SLOT_GROUPS;
      let group = groups.get(g);
      if (!group) groups.set(g, (group = { keys: [], index: new Map(), rows: [] }));
      if (!group.index.has(bucket)) {
        group.keys.push(this.bucketKey(bucket));
        group.index.set(bucket, group.keys.length);
      }
      group.rows.push(i);
    });
    const out: RowState[] = new Array<RowState>(rows.length);
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const blob = Buffer.allocUnsafe(group.rows.length * 18);
        group.rows.forEach((i, j) => {
          const row = rows[i]!;
          blob.writeUInt16BE(group.index.get(buckets[i]!)!, j * 18);
          row.keyDigest.copy(blob, j * 18 + 2, 0, 8);
          row.content.copy(blob, j * 18 + 10, 0, 8);
        });
        const states = await this.redis.mktRcCheck(group.keys.length, ...group.keys, stampArg, blob);
        group.rows.forEach((i, j) => (out[i] = (states.charCodeAt(j) - 48) as RowState));
      }),
    );
    return out;
  }

  /** Stores confirmed fingerprints. */
  async commit(
    records: readonly { keyDigest: Buffer; content: Buffer; marketoId: number | null }[],
    stamp: number,
  ): Promise<void> {
    await Promise.all(
      records.map((r) =>
        this.redis.hset(
          this.bucketKey(this.bucketOf(r.keyDigest)),
          r.keyDigest,
          storedValue(r.content, r.marketoId, stamp),
        ),
      ),
    );
  }

  /** Visits every stored record, `concurrency` buckets at a time. */
  async scan(visit: (record: ScannedRecord, bucket: number) => void, concurrency = 64): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.buckets) {
        const bucket = next++;
        const flat = (await this.redis.callBuffer('HGETALL', this.bucketKey(bucket))) as Buffer[];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const v = flat[i + 1]!;
          const id = v.length >= 12 ? v.readUInt32BE(8) : 0;
          visit({ keyDigest: flat[i]!, marketoId: id === 0 ? null : id, stamp: v.readUInt16BE(12) }, bucket);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, this.buckets) }, worker));
  }

  /** The buckets of each slot group, in calls of at most {@link BUCKETS_PER_CALL}. */
  private groupCalls(): string[][] {
    const calls: string[][] = [];
    for (let g = 0; g < Math.min(FINGERPRINT_SLOT_GROUPS, this.buckets); g++) {
      let keys: string[] = [];
      for (let b = g; b < this.buckets; b += FINGERPRINT_SLOT_GROUPS) {
        keys.push(this.bucketKey(b));
        if (keys.length === BUCKETS_PER_CALL) {
          calls.push(keys);
          keys = [];
        }
      }
      if (keys.length > 0) calls.push(keys);
    }
    return calls;
  }

  /**
   * Reads every record, a few calls at a time: `visit` gets a buffer of 22-byte records (key digest 8,
   * content fingerprint 8, Marketo id 4, stamp 2) per call; returning false stops the dump.
   */
  async dump(visit: (records: Buffer) => boolean, concurrency = 4): Promise<boolean> {
    const calls = this.groupCalls();
    let next = 0;
    let stopped = false;
    const worker = async (): Promise<void> => {
      while (!stopped && next < calls.length) {
        const keys = calls[next++]!;
        const records = await this.redis.mktRcDumpBuffer(keys.length, ...keys);
        if (!stopped && !visit(records)) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
    return !stopped;
  }

  /** The number of records stored. */
  async count(): Promise<number> {
    const counts = await Promise.all(
      this.groupCalls().map((keys) => this.redis.mktRcCount(keys.length, ...keys)),
    );
    return counts.reduce((a, b) => a + Number(b), 0);
  }

  /** Sets the stamp of the records with these key digests (missing ones are skipped); returns how many changed. */
  async setStamps(keyDigests: readonly Buffer[], stamp: number): Promise<number> {
    const byGroup = new Map<number, { keys: string[]; index: Map<number, number>; blob: Buffer[] }>();
    for (const digest of keyDigests) {
      const bucket = this.bucketOf(digest);
      const g = bucket % FINGERPRINT_SLOT_GROUPS;
      let group = byGroup.get(g);
      if (!group) byGroup.set(g, (group = { keys: [], index: new Map(), blob: [] }));
      let index = group.index.get(bucket);
      if (index === undefined) {
        group.keys.push(this.bucketKey(bucket));
        group.index.set(bucket, (index = group.keys.length));
      }
      const entry = Buffer.allocUnsafe(10);
      entry.writeUInt16BE(index, 0);
      digest.copy(entry, 2, 0, 8);
      group.blob.push(entry);
    }
    let changed = 0;
    const stampArg = stampBytes(stamp);
    for (const group of byGroup.values()) {
      // Bucket indexes are 2 bytes, as in check(): enough for 64 × 65535 buckets (over 300 million records).
      for (let i = 0; i < group.blob.length; i += 10_000)
        changed += Number(
          await this.redis.mktRcSetStamps(
            group.keys.length,
            ...group.keys,
            stampArg,
            Buffer.concat(group.blob.slice(i, i + 10_000)),
          ),
        );
    }
    return changed;
  }

  /** Deletes the records with these key digests. */
  async remove(keyDigests: readonly Buffer[]): Promise<void> {
    const byBucket = new Map<number, Buffer[]>();
    for (const d of keyDigests) {
      const b = this.bucketOf(d);
      const list = byBucket.get(b) ?? [];
      list.push(d);
      byBucket.set(b, list);
    }
    await Promise.all([...byBucket].map(([b, fields]) => this.redis.hdel(this.bucketKey(b), ...fields)));
  }

  /** Counts records, and those not stamped by `stamp`; removes the latter when `drop` (a full run). */
  async census(stamp: number, drop: boolean): Promise<{ tracked: number; absent: number }> {
    let tracked = 0;
    let absent = 0;
    const stale = new Map<number, Buffer[]>();
    await this.scan((r, bucket) => {
      tracked++;
      if (r.stamp === stamp) return;
      absent++;
      if (drop) {
        const list = stale.get(bucket) ?? [];
        list.push(r.keyDigest);
        stale.set(bucket, list);
      }
    });
    if (drop) {
      await Promise.all(
        [...stale].map(([bucket, fields]) => this.redis.hdel(this.bucketKey(bucket), ...fields)),
      );
      tracked -= absent;
    }
    return { tracked, absent };
  }

  /** Whether `tracked` records fit this store's bucket count well enough to keep it. */
  fits(tracked: number): boolean {
    const fill = tracked / this.buckets;
    return fill <= MAX_FILL && (fill >= MIN_FILL || this.buckets <= MIN_BUCKETS);
  }

  /**
   * Copies every record into a new generation sized for `tracked` records, and returns it. The caller
   * switches the set to it and then {@link drop}s this one; a crash before the switch leaves this one in
   * use (the copy is redone).
   */
  async resize(tracked: number): Promise<FingerprintStore> {
    const next = new FingerprintStore(
      this.redis,
      this.keys,
      this.set,
      bucketsFor(tracked),
      this.generation + 1,
    );
    await next.drop();
    const RANGE = 512;
    for (let start = 0; start < this.buckets; start += RANGE) {
      const moved = new Map<number, Buffer[]>();
      await Promise.all(
        Array.from({ length: Math.min(RANGE, this.buckets - start) }, async (_, i) => {
          const flat = (await this.redis.callBuffer('HGETALL', this.bucketKey(start + i))) as Buffer[];
          for (let j = 0; j + 1 < flat.length; j += 2) {
            const target = next.bucketOf(flat[j]!);
            const list = moved.get(target) ?? [];
            list.push(flat[j]!, flat[j + 1]!);
            moved.set(target, list);
          }
        }),
      );
      await Promise.all(
        [...moved].map(([bucket, fieldsAndValues]) =>
          this.redis.hset(next.bucketKey(bucket), ...fieldsAndValues),
        ),
      );
    }
    return next;
  }

  /** Deletes every bucket of this generation. */
  async drop(): Promise<void> {
    const all = Array.from({ length: this.buckets }, (_, b) => this.bucketKey(b));
    // One key per command: the buckets sit in different slots under Redis Cluster.
    for (let i = 0; i < all.length; i += 1000)
      await Promise.all(all.slice(i, i + 1000).map((k) => this.redis.unlink(k)));
  }
}
