import type { RedisBuffer, SettleAction } from '../buffer/buffer.js';
import type { BatchEntry, ClaimedBatch } from '../buffer/types.js';
import type { WorkerSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { Transport, TransportGroup } from '../transport/contract.js';
import { BatchRun, type DeliveryControl, type SendReport, type SenderContext } from './batch-run.js';
import { deliveryKind } from './delivery-policy.js';
import { decide } from './retry-decision.js';
import { claimGroup, partsOf } from './legacy-batch.js';
import { retryPolicyOf, type RetryPolicy, type RetrySettings } from './retry-policy.js';
import * as settle from './settle-actions.js';

export type { DeliveryControl, SendReport } from './batch-run.js';
// The shared limiter's token, taken by the transport factory too.
export { takeRateToken } from './rate-token.js';

/** The worker settings a sender reads: the retry policy's, the linger time and the rate limit. */
export type SendPolicy = RetrySettings & Pick<WorkerSettings, 'lingerMs' | 'rateLimit'>;

const NEVER = new AbortController().signal;

/**
 * Sends one claimed batch through a {@link Transport} and settles every record: an outcome, a retry
 * (with or without an attempt burnt), or the dead-letter set, as the retry policy decides
 * (retry-decision.ts `decide`, from the {@link RetryPolicy} read once from the settings). A whole-call
 * fault caused by a record is split down until the guilty records are isolated, so their neighbours
 * still go through. Nothing here knows the wire.
 */
export class BatchSender {
  readonly #context: SenderContext;

  /** @throws RetryPolicyError when the settings make no usable retry policy (naming the field). */
  constructor(transport: Transport, buffer: RedisBuffer, settings: SendPolicy, log: Logger) {
    this.#context = {
      transport,
      buffer,
      policy: retryPolicyOf(settings),
      lingerMs: settings.lingerMs,
      rate: { rateLimit: settings.rateLimit, rateWindowMs: settings.rateWindowMs },
      log,
    };
  }

  /** The policy this sender follows. */
  get policy(): RetryPolicy {
    return this.#context.policy;
  }

  /** The largest batch to claim from `group` (a buffer group name): the transport's maximum. */
  maxRecords(group: string): number {
    return this.#context.transport.maxRecords(claimGroup(group));
  }

  async send(
    batch: ClaimedBatch,
    control: DeliveryControl = { stopping: NEVER, abandon: NEVER },
  ): Promise<{ actions: SettleAction[]; report: SendReport }> {
    const run = new BatchRun(this.#context, batch, control);
    const now = Date.now();
    const { parts, unplaced } = partsOf(batch);
    for (const entry of unplaced) {
      const error = `no batch group fits this record (group ${batch.group}): no lead key, or an unknown object type`;
      run.actions.push(settle.dead(batch, entry, error, null, now));
    }
    let tokenHeld = true;
    for (const part of parts) {
      const send = this.#screenRecovered(run, part.group, part.entries, now);
      // A batch of an older release's group may hold more than one call of the transport can carry.
      const max = this.#context.transport.maxRecords(part.group);
      for (let i = 0; i < send.length; i += max) {
        const faulted = await run.sendPart(part.group, send.slice(i, i + max), tokenHeld);
        if (faulted !== undefined) await run.isolate(part.group, faulted);
        tokenHeld = false;
      }
    }
    return { actions: run.actions, report: run.report };
  }

  /**
   * A record an earlier attempt may have applied (its batch was recovered after a crash or a lost
   * lease) is treated as if that attempt had just failed indeterminately: a create is not sent again,
   * and the attempt counts. Returns the records to send.
   */
  #screenRecovered(
    run: BatchRun,
    group: TransportGroup,
    entries: readonly BatchEntry[],
    now: number,
  ): BatchEntry[] {
    const send: BatchEntry[] = [];
    let surfaced = 0;
    for (const entry of entries) {
      if (!entry.uncertain) {
        send.push(entry);
        continue;
      }
      const decision = decide(run.policy, {
        failure: { scope: 'recovered', category: 'indeterminate', applied: 'indeterminate' },
        kind: deliveryKind(
          group,
          entry.data,
          this.#context.transport.keysRolesByFields === true,
          run.policy.activityAtLeastOnce,
        ),
        attempts: entry.attempts,
        stopping: run.control.stopping.aborted,
        now,
        jitter: 0,
      });
      const earlier = `${settle.earlierAttempts(entry.uncertain)} ended without an answer (worker crash or lost lease)`;
      switch (decision.action) {
        case 'send':
          send.push(entry);
          break;
        case 'indeterminate':
          run.actions.push(settle.indeterminate(run.batch, entry, earlier, now));
          surfaced++;
          break;
        case 'give-up':
          run.actions.push(
            settle.dead(run.batch, entry, settle.gaveUp(entry, earlier, decision.uncertain), null, now),
          );
          break;
      }
    }
    if (surfaced > 0)
      run.log.error('a create may have been applied: its records are INDETERMINATE and dead-lettered', {
        batch: run.batch.id,
        group: run.batch.group,
        records: surfaced,
      });
    return send;
  }
}
