/**
 * A bounded cache of lead ids by reference text (`Email:ann@example.com`): the least recently used
 * entry goes first when it is full, and an entry older than its time to live is not used (a lead may be
 * merged or deleted in Marketo meanwhile).
 */
export class LeadIdCache {
  readonly #entries = new Map<string, { id: number; at: number }>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly ttlMs = 3_600_000,
  ) {}

  get(ref: string, now = Date.now()): number | undefined {
    const entry = this.#entries.get(ref);
    if (entry === undefined) return undefined;
    this.#entries.delete(ref);
    if (now - entry.at > this.ttlMs) return undefined;
    this.#entries.set(ref, entry);
    return entry.id;
  }

  set(ref: string, id: number, now = Date.now()): void {
    this.#entries.delete(ref);
    this.#entries.set(ref, { id, at: now });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
