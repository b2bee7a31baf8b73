import type { RedisBuffer } from '../buffer/buffer.js';
import { leadKey } from '../producer/record-keys.js';
import type { LeadLedger, LeadLedgerState } from '../transport/lead-ledger.js';
import { FOREIGN_SYS_TYPES } from '../vocabulary/foreign-sys-types.js';
import { parseLeadRef, type LeadRef } from '../vocabulary/lead-refs.js';
import { memberGroupName } from '../vocabulary/member-groups.js';

/**
 * The buffer's knowledge of leads named by reference, for the REST transport's lead resolver: a lead
 * whose change (under the record key a lead change of that key has) waits or is in flight is `busy`;
 * otherwise its latest outcome's id, when it has one. Two round trips per batch, whatever its size.
 */
export class BufferLeadLedger implements LeadLedger {
  constructor(private readonly buffer: RedisBuffer) {}

  /** The leads of the custom activities waiting (group `A`), soonest first. */
  async upcoming(limit: number): Promise<LeadRef[]> {
    const data = await this.buffer.view.upcoming(memberGroupName({ kind: 'activity' }), limit);
    const refs: LeadRef[] = [];
    for (const d of data) {
      const ref = parseLeadRef((d as { lead?: unknown } | null)?.lead);
      if (!('problem' in ref)) refs.push(ref);
    }
    return refs;
  }

  async states(refs: readonly LeadRef[]): Promise<LeadLedgerState[]> {
    // A ForeignSysPersonId reference has no type: the lead may be keyed under any of them.
    const keysOf = refs.map((ref): string[] => {
      if ('Id' in ref) return [];
      if ('Email' in ref) return [leadKey({ Email: ref.Email })];
      return FOREIGN_SYS_TYPES.map((type) =>
        leadKey({ ForeignSysPersonId: ref.ForeignSysPersonId, ForeignSysType: type }),
      );
    });
    const all = keysOf.flat();
    const [busy, outcomes] = await Promise.all([
      this.buffer.view.pendingOrInFlight(all),
      this.buffer.outcomes.latestOf(all),
    ]);
    let at = 0;
    return refs.map((ref, i): LeadLedgerState => {
      if ('Id' in ref) return { id: ref.Id };
      const keys = keysOf[i]!;
      const from = at;
      at += keys.length;
      const busyKey = keys.find((_, k) => busy[from + k]);
      if (busyKey !== undefined) return { busy: busyKey };
      for (let k = 0; k < keys.length; k++) {
        const id = outcomes[from + k]?.id;
        if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return { id };
      }
      return null;
    });
  }
}
