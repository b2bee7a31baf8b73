import type { Cluster, Redis } from 'ioredis';
import type { RedisBuffer } from '../buffer/buffer.js';
import { defineScripts } from '../buffer/lua-loader.js';
import { isSuccess } from '../vocabulary/outcome-statuses.js';
import type { FingerprintStore } from './fingerprint-store.js';
import type { ReconcileKeys } from './reconcile-keys.js';
import { RECONCILE_SCRIPTS } from './reconcile-scripts.js';

type RedisLike = Redis | Cluster;

/** A record a run enqueued and waits for: the sequence number its outcome must cover, and its digests. */
export interface PendingRecord {
  seq: number;
  keyDigest: Buffer;
  content: Buffer;
}

/** Kept failed keys per run (the count is exact). */
const FAILED_KEPT = 1000;

export function encodePending(p: PendingRecord): string {
  return `${p.seq}|${p.keyDigest.toString('hex')}${p.content.toString('hex')}`;
}

export function decodePending(text: string): PendingRecord {
  const [seq, hex] = text.split('|');
  const bytes = Buffer.from(hex!, 'hex');
  return { seq: Number(seq), keyDigest: bytes.subarray(0, 8), content: bytes.subarray(8, 16) };
}

/**
 * Learns the outcomes of a run's enqueued records from the per-record outcomes the workers write, and
 * commits a record's fingerprint only when its outcome (one covering the record's sequence number) is a
 * success. Failures are counted and leave the old fingerprint, so the next run sends the record again.
 */
export class PendingOutcomes {
  /** Records enqueued and checkpointed, not yet settled. */
  readonly pending = new Map<string, PendingRecord>();
  /** The confirmation under way: one at a time. */
  private running: Promise<number> | null = null;

  constructor(
    private readonly redis: RedisLike,
    private readonly buffer: RedisBuffer,
    private readonly keys: ReconcileKeys,
    private readonly runId: string,
    private readonly stamp: number,
  ) {
    defineScripts(redis, RECONCILE_SCRIPTS);
  }

  /** Loads the pending records a previous attempt checkpointed. */
  async load(): Promise<void> {
    const all = await this.redis.hgetall(this.keys.pending(this.runId));
    for (const [key, value] of Object.entries(all)) this.pending.set(key, decodePending(value));
  }

  /**
   * Checks the outcome of every pending record (or of the `limit` enqueued first) once; returns how many
   * settled.
   */
  async confirm(store: FingerprintStore, limit = Infinity): Promise<number> {
    while (this.running) await this.running.catch(() => 0);
    this.running = this.confirmOnce(store, limit);
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  private async confirmOnce(store: FingerprintStore, limit: number): Promise<number> {
    let settled = 0;
    const keys: string[] = [];
    for (const key of this.pending.keys()) {
      if (keys.length >= limit) break;
      keys.push(key);
    }
    for (let i = 0; i < keys.length; i += 1000) {
      const slice = keys.slice(i, i + 1000);
      const outcomes = await this.buffer.outcomes.latestOf(slice);
      const commits: { keyDigest: Buffer; content: Buffer; marketoId: number | null }[] = [];
      const verdicts: string[] = [];
      const settledNow: [string, PendingRecord][] = [];
      slice.forEach((key, j) => {
        const outcome = outcomes[j];
        if (outcome === null || outcome === undefined) return;
        const p = this.pending.get(key);
        if (p === undefined || outcome.lastSeq < p.seq) return;
        const ok = isSuccess(outcome.status);
        // The set keeps numeric Marketo ids only; a REST object's marketoGUID is not kept.
        const marketoId = typeof outcome.id === 'number' ? outcome.id : null;
        if (ok) commits.push({ keyDigest: p.keyDigest, content: p.content, marketoId });
        verdicts.push(key, ok ? 'c' : 'f', encodePending(p));
        settledNow.push([key, p]);
      });
      if (verdicts.length === 0) continue;
      // The fingerprint first: a crash between the two steps repeats an idempotent commit.
      await store.commit(commits, this.stamp);
      await this.redis.mktRcSettlePending(
        this.keys.pending(this.runId),
        this.keys.run(this.runId),
        this.keys.failed(this.runId),
        FAILED_KEPT,
        ...verdicts,
      );
      // A record enqueued again since (a later entry) stays pending.
      for (const [key, p] of settledNow) if (this.pending.get(key) === p) this.pending.delete(key);
      settled += settledNow.length;
    }
    return settled;
  }
}
