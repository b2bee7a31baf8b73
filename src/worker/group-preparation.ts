import type { Logger } from '../log.js';
import type { Transport } from '../transport/contract.js';
import { parseGroupName, type BatchGroup, type TransportGroup } from '../vocabulary/batch-groups.js';

/**
 * Lets the transport read what new groups will need as soon as they hold records (see
 * `Transport.prepare`), once per group name per process: a program's channel steps are then in Redis
 * before the changes that arrive while its first batch lingers merge, so the furthest status wins them.
 */
export class GroupPreparation {
  readonly #seen = new Set<string>();

  constructor(
    private readonly transport: Transport,
    private readonly log: Logger,
  ) {}

  /** Hands the groups not seen before to the transport (not awaited: claiming does not wait for it). */
  note(groups: readonly BatchGroup[]): void {
    if (!this.transport.prepare) return;
    const fresh: [string, TransportGroup][] = [];
    for (const name of groups) {
      if (this.#seen.has(name)) continue;
      const group = parseGroupName(name);
      this.#seen.add(name);
      if (group !== undefined) fresh.push([name, group]);
    }
    if (fresh.length === 0) return;
    this.transport.prepare(fresh.map(([, g]) => g)).catch((error: unknown) => {
      // Read again the next time the groups are read (and by the first send in any case).
      for (const [name] of fresh) this.#seen.delete(name);
      this.log.warn('could not prepare new batch groups', { error: (error as Error).message });
    });
  }
}
