import { MarketoCallError } from '../transport/contract.js';
import { asObject } from './json.js';

/**
 * A program's channel steps (status name → step), which the buffer keeps so that the furthest program
 * member status wins a merge: the program's channel from Get Program by Id (`channel`), that channel's
 * `progressionStatuses` from Get Channels. Both are asset reads (Read-Only Assets) that count against the
 * rate limit; the channels are cached for all programs, a program's channel per program, for `ttlMs`.
 */

/** Get Channels' page size (Marketo: `maxReturn` default 20, at most 200). */
const CHANNEL_PAGE = 200;
/** Pages read at most: 10,000 channels is far beyond any instance. */
const MAX_CHANNEL_PAGES = 50;

export type Steps = Readonly<Record<string, number>>;

type Get = (path: string, signal?: AbortSignal) => Promise<unknown[]>;

export class ProgramSteps {
  readonly #get: Get;
  readonly #ttlMs: number;
  // Promises, so that batches of one program sent at once share one read.
  #channels: { at: number; steps: Promise<Map<string, Steps>> } | undefined;
  readonly #channelOf = new Map<number, { at: number; channel: Promise<string> }>();
  /** Requests made, for tests and the bench (each costs a rate token). */
  calls = 0;

  constructor(get: Get, ttlMs = 3_600_000) {
    this.#get = get;
    this.#ttlMs = ttlMs;
  }

  /** The steps of `programId`'s channel; undefined when the program has no channel the instance lists. */
  async of(programId: number, signal?: AbortSignal, now = Date.now()): Promise<Steps | undefined> {
    let known = this.#channelOf.get(programId);
    if (!known || now - known.at > this.#ttlMs) {
      known = { at: now, channel: this.#readChannel(programId, signal) };
      this.#channelOf.set(programId, known);
      // A failed read is not kept: the next batch reads again.
      const entry = known;
      entry.channel.catch(() => {
        if (this.#channelOf.get(programId) === entry) this.#channelOf.delete(programId);
      });
    }
    if (!this.#channels || now - this.#channels.at > this.#ttlMs) {
      const entry = { at: now, steps: this.#readChannels(signal) };
      this.#channels = entry;
      entry.steps.catch(() => {
        if (this.#channels === entry) this.#channels = undefined;
      });
    }
    const channels = this.#channels.steps;
    const channel = await known.channel;
    return (await channels).get(channel);
  }

  async #readChannel(programId: number, signal?: AbortSignal): Promise<string> {
    this.calls++;
    const result = await this.#get(`/rest/asset/v1/program/${programId}.json`, signal);
    const channel = asObject(result[0])?.channel;
    if (typeof channel !== 'string')
      throw new MarketoCallError(`Get Program ${programId} answered without a channel`, {
        category: 'transient',
        code: 'malformed-answer',
        applied: 'not-applied',
      });
    return channel;
  }

  async #readChannels(signal?: AbortSignal): Promise<Map<string, Steps>> {
    const steps = new Map<string, Steps>();
    for (let page = 0; page < MAX_CHANNEL_PAGES; page++) {
      this.calls++;
      const result = await this.#get(
        `/rest/asset/v1/channels.json?maxReturn=${CHANNEL_PAGE}&offset=${page * CHANNEL_PAGE}`,
        signal,
      );
      for (const entry of result) {
        const channel = asObject(entry);
        if (typeof channel?.name !== 'string' || !Array.isArray(channel.progressionStatuses)) continue;
        const byName: Record<string, number> = {};
        for (const s of channel.progressionStatuses) {
          const status = asObject(s);
          if (
            typeof status?.name === 'string' &&
            typeof status.step === 'number' &&
            Number.isFinite(status.step)
          )
            byName[status.name] = status.step;
        }
        steps.set(channel.name, byName);
      }
      if (result.length < CHANNEL_PAGE) break;
    }
    return steps;
  }
}

/**
 * Hands a program's channel steps to whoever keeps them for the merge (the worker's buffer) when they
 * were read afresh, not on every batch.
 */
export class StepsKeeper {
  readonly #steps: ProgramSteps;
  readonly #keep: (programId: number, steps: Steps) => Promise<void>;
  /** Programs whose steps were handed over since the cache was last read. */
  readonly #kept = new Set<number>();

  constructor(keep: (programId: number, steps: Steps) => Promise<void>, get: Get, ttlMs?: number) {
    this.#keep = keep;
    this.#steps = new ProgramSteps(get, ttlMs);
  }

  /** Reads `programId`'s steps (cached), hands them over when read afresh, and returns them. */
  async keep(programId: number, signal?: AbortSignal): Promise<Steps | undefined> {
    const reads = this.#steps.calls;
    const steps = await this.#steps.of(programId, signal);
    if (steps === undefined) return undefined;
    if (this.#steps.calls !== reads) this.#kept.delete(programId);
    if (this.#kept.has(programId)) return steps;
    await this.#keep(programId, steps);
    this.#kept.add(programId);
    return steps;
  }
}
