import type { ClaimLimits, ClaimRefusal, RedisBuffer, SettleAction } from '../buffer/buffer.js';
import type { ClaimedBatch } from '../buffer/types.js';
import { BATCH_GROUPS, claimOrder, isLeadGroup, type BatchGroup } from '../vocabulary/batch-groups.js';
import type { Logger } from '../log.js';
import type { BatchSender, SendReport } from './sender.js';

/** Settings of the dispatch loops. */
export interface DispatcherOptions {
  maxLeadsPerCall: number;
  maxMObjectsPerCall: number;
  lingerMs: number;
  /** A record waits until its last change is this old (or it waited `lingerMs`); 0 = off. */
  quietMs: number;
  /** Calls at once across all workers (0 = off). */
  maxConcurrent: number;
  rateLimit: number;
  rateWindowMs: number;
  leaseMs: number;
  outcomeRetentionSec: number;
  outcomeStreamMaxLen: number;
  /**
   * Dispatch loops in this process: how many calls it may have in flight.
   * @defaultValue maxConcurrent, or 8 when that is off
   */
  loops?: number;
  /**
   * Longest idle sleep between claims.
   * @defaultValue 100
   */
  pollMs?: number;
  /**
   * Longest sleep of a loop that keeps finding nothing: each empty round doubles its sleep from
   * `pollMs` up to this, and a claim by any loop wakes them all. A worker serving many instances sets
   * it so that hundreds of idle instances cost little CPU.
   * @defaultValue pollMs (no backoff, as a worker of one instance always did)
   */
  idlePollMs?: number;
}

/** Observers of what the dispatcher does (metrics hook in here). */
export interface DispatcherEvents {
  /** The groups that hold records, each time they are read from Redis (at most once a second). */
  onGroups?(groups: readonly BatchGroup[]): void;
  onBatch?(
    batch: ClaimedBatch,
    report: SendReport,
    actions: readonly SettleAction[],
    durationMs: number,
    lost: boolean,
  ): void;
}

/**
 * Claims batches when the shared gates allow, sends them, settles them, and keeps their leases alive.
 * Several loops run per process; which loop claims what is decided atomically in Redis.
 */
export class Dispatcher {
  #stopping = false;
  /** Aborted at stop(): no call starts any more. */
  readonly #stop = new AbortController();
  /** Aborted at the shutdown deadline: calls in flight are abandoned. */
  readonly #abandon = new AbortController();
  #loops: Promise<void>[] = [];
  #wake: (() => void)[] = [];
  #inFlight = new Set<string>();
  #rotation = 0;
  /** Claims made by this process's loops: a loop that sees it move stops backing off. */
  #claims = 0;
  /** The groups that ever held a record (Redis `groups`), refreshed at most once a second. */
  #groups: readonly BatchGroup[] = BATCH_GROUPS;
  #groupsAt = 0;
  /** The unknown groups last logged, so that they are logged once, not every second. */
  #unknownLogged = '';

  constructor(
    private readonly buffer: RedisBuffer,
    private readonly sender: BatchSender,
    private readonly options: DispatcherOptions,
    private readonly log: Logger,
    private readonly events: DispatcherEvents = {},
  ) {}

  /** Batches this process has in flight right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    const loops = this.options.loops ?? (this.options.maxConcurrent > 0 ? this.options.maxConcurrent : 8);
    for (let i = 0; i < loops; i++) this.#loops.push(this.#loop(i));
  }

  /**
   * Stops claiming and starting calls (no split call, retry or resend either); resolves when every
   * loop has settled its current batch.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stop.abort();
    for (const wake of this.#wake.splice(0)) wake();
    await Promise.all(this.#loops);
  }

  /**
   * The shutdown deadline: abandons the calls in flight. Their batches settle at once under the
   * delivery policy (idempotent records back to pending, creates INDETERMINATE), handing the leases back.
   */
  abandonInFlight(): void {
    this.#abandon.abort();
  }

  /** The largest batch of `group`: the transport's largest call, unless the settings ask for less. */
  #maxBatch(group: BatchGroup): number {
    const setting = isLeadGroup(group) ? this.options.maxLeadsPerCall : this.options.maxMObjectsPerCall;
    return Math.min(setting, this.sender.maxRecords(group));
  }

  /** The groups worth a claim: those that ever held a record, in {@link claimOrder}. */
  async #claimable(): Promise<readonly BatchGroup[]> {
    const now = Date.now();
    if (now - this.#groupsAt >= 1_000) {
      this.#groupsAt = now;
      try {
        const { known, unknown } = await this.buffer.view.groupsWithRecords();
        this.#groups = claimOrder(known);
        this.events.onGroups?.(this.#groups);
        // A group no list of this release names (written by a newer release) would wait unclaimed.
        if (unknown.length > 0 && unknown.join() !== this.#unknownLogged) {
          this.#unknownLogged = unknown.join();
          this.log.error('Redis holds batch groups this release does not know; their records wait', {
            groups: unknown,
          });
        }
      } catch {
        this.#groups = BATCH_GROUPS;
      }
    }
    return this.#groups;
  }

  #limits(group: BatchGroup, flush: boolean): ClaimLimits {
    return {
      maxBatch: this.#maxBatch(group),
      lingerMs: this.options.lingerMs,
      quietMs: this.options.quietMs,
      maxConcurrent: this.options.maxConcurrent,
      rateMax: this.options.rateLimit,
      rateWindowMs: this.options.rateWindowMs,
      leaseMs: this.options.leaseMs,
      flush,
    };
  }

  async #loop(index: number): Promise<void> {
    const pollMs = this.options.pollMs ?? 100;
    const idlePollMs = Math.max(pollMs, this.options.idlePollMs ?? pollMs);
    let idleSleep = pollMs;
    let claimsSeen = this.#claims;
    while (!this.#stopping) {
      if (claimsSeen !== this.#claims) idleSleep = pollMs;
      let wakeAt = Date.now() + idleSleep;
      let worked = false;
      // Start each round at a different group so that no group starves another.
      const groups = await this.#claimable();
      const start = this.#rotation++ % Math.max(1, groups.length);
      for (let i = 0; i < groups.length && !this.#stopping; i++) {
        const group = groups[(start + i) % groups.length]!;
        let claimed: ClaimedBatch | ClaimRefusal;
        try {
          claimed = await this.buffer.claim(group, this.#limits(group, false));
        } catch (error) {
          this.log.error('claim failed', { loop: index, error: (error as Error).message });
          break;
        }
        if ('entries' in claimed) {
          this.#claims++;
          // Backing-off loops join in: where one batch was, more may be.
          if (idlePollMs > pollMs) for (const wake of this.#wake.splice(0)) wake();
          await this.#process(claimed);
          worked = true;
          break;
        }
        if (claimed.reason === 'busy') break;
        if (claimed.until !== undefined && claimed.until > 0) wakeAt = Math.min(wakeAt, claimed.until);
      }
      claimsSeen = this.#claims;
      if (worked) idleSleep = pollMs;
      else if (!this.#stopping) {
        await this.#sleep(Math.max(1, Math.min(wakeAt - Date.now(), idleSleep)));
        idleSleep = Math.min(idlePollMs, idleSleep * 2);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.#wake.indexOf(done);
        if (i >= 0) this.#wake.splice(i, 1);
        resolve();
      }, ms);
      this.#wake.push(done);
    });
  }

  async #process(batch: ClaimedBatch): Promise<void> {
    this.#inFlight.add(batch.id);
    const started = performance.now();
    const renew = setInterval(
      () => {
        this.buffer.renew(batch.id, this.options.leaseMs).catch((error: unknown) => {
          this.log.warn('lease renewal failed', { batch: batch.id, error: (error as Error).message });
        });
      },
      Math.max(100, Math.floor(this.options.leaseMs / 3)),
    );
    try {
      const { actions, report } = await this.sender.send(batch, {
        stopping: this.#stop.signal,
        abandon: this.#abandon.signal,
      });
      const settled = await this.buffer.settle(
        batch.id,
        actions,
        this.options.outcomeRetentionSec,
        this.options.outcomeStreamMaxLen,
      );
      if (!settled)
        this.log.warn(
          'batch lease expired before it settled; its records were put back and will be sent again',
          { batch: batch.id },
        );
      this.events.onBatch?.(batch, report, actions, performance.now() - started, !settled);
    } catch (error) {
      // The lease will expire and the sweeper will put the records back: nothing is lost.
      this.log.error('batch failed unexpectedly; its records return after the lease expires', {
        batch: batch.id,
        error: (error as Error).stack,
      });
    } finally {
      clearInterval(renew);
      this.#inFlight.delete(batch.id);
    }
  }
}
