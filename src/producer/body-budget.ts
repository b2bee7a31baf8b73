/**
 * A bound on the bytes of ingest bodies being read, parsed and written at once. A parsed body costs
 * many times its size in memory (16 bodies of 4.85 MB took the server from 84 to 848 MB), so bodies
 * beyond the budget are turned away with 503 and `Retry-After` instead of being read. One body is always
 * let through when nothing else is in progress, so a body within the size limit is never refused forever.
 * Bytes are reserved as they arrive, not as declared: a client that declares 5 MiB and trickles them
 * holds only what it sent, and the server's request timeout ends it.
 */
export class BodyBudget {
  #inProgress = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes reserved by bodies in progress. */
  get inProgress(): number {
    return this.#inProgress;
  }

  /**
   * Reserves `bytes` for a body that already holds `held` bytes, when the budget allows it or no other
   * body is in progress; false otherwise.
   */
  tryReserve(bytes: number, held = 0): boolean {
    const others = this.#inProgress - held;
    if (others > 0 && this.#inProgress + bytes > this.limitBytes) return false;
    this.#inProgress += bytes;
    return true;
  }

  /** Whether `bytes` more would fit now (or nothing else is in progress), without reserving them. */
  fits(bytes: number): boolean {
    return this.#inProgress === 0 || this.#inProgress + bytes <= this.limitBytes;
  }

  release(bytes: number): void {
    this.#inProgress = Math.max(0, this.#inProgress - bytes);
  }
}
