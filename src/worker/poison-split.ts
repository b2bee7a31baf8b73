import type { BatchEntry, StoredChange, StoredLead, StoredMObject } from '../buffer/types.js';
import type { MarketoCallError } from '../transport/contract.js';

// The default is a setting's (config reads MKTSYNC_SPLIT_CALL_BUDGET); re-exported for the sender.
export { DEFAULT_SPLIT_CALL_BUDGET } from '../config.js';

/** A whole-call record fault of a part, and the records of the part it leaves undecided. */
export interface PartFault {
  fault: MarketoCallError;
  undecided: readonly BatchEntry[];
}

/** What {@link isolateRecordFault} needs from the sender. */
export interface RecordFaultJob {
  /** The whole-call fault (category `invalid-record`) the batch's call ended with. */
  fault: MarketoCallError;
  /** The records of that call. */
  entries: readonly BatchEntry[];
  /** Calls this isolation may make, on top of the call that faulted. */
  budget: number;
  /**
   * Sends `part` as one call. The sender settles every record of the part, unless the whole call
   * faults again for a record: then it settles the records the transport settled before the fault
   * (and any record the transport named as the one it could not send) and returns the fault with the
   * records still undecided.
   */
  send(part: readonly BatchEntry[]): Promise<PartFault | undefined>;
  /** Fails a guilty record for good; `field` when Marketo named a field the record carries. */
  fail(entry: BatchEntry, fault: MarketoCallError, field?: string): void;
  /** Hands back the records still undecided when the budget is spent. */
  giveBack(entries: readonly BatchEntry[], fault: MarketoCallError): void;
}

/** What an isolation did, for logs and tests. */
export interface RecordFaultSummary {
  /** Calls made, the faulted one not included. */
  calls: number;
  /** Records failed because Marketo refused a field they carry, by field. */
  failedByField: Map<string, number>;
  /** Records failed after halving down to them alone. */
  isolated: number;
  /** Records handed back undecided. */
  undecided: number;
}

/**
 * How many parts a faulted part of `size` records is split into with `remaining` calls left: halves
 * when calls are scarce, wider when they are not. A part without a bad record goes through whole, so a
 * wider split decides more records per call when several are bad (in 20 calls, of 300 records with 8
 * bad ones, 175 are decided on average against 150 by halving; with 30 bad ones 48 against 15), and
 * isolating one bad record of 300 still takes at most 18 calls, as by halving.
 */
export function partsFor(size: number, remaining: number): number {
  return Math.min(size, Math.max(2, Math.floor(remaining / 4)));
}

function splitInto<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < parts; i++) {
    const from = Math.floor((i * items.length) / parts);
    const to = Math.floor(((i + 1) * items.length) / parts);
    if (to > from) out.push(items.slice(from, to));
  }
  return out;
}

/** Whether a record sends an attribute named `field` (leads: attributes; objects: any attribute list). */
export function carriesField(data: StoredChange, field: string): boolean {
  const has = (attributes: Record<string, string> | undefined): boolean =>
    attributes !== undefined && Object.hasOwn(attributes, field);
  if ('type' in data) {
    const object = data as StoredMObject;
    return has(object.attributes) || (object.typeAttributes ?? []).some((t) => has(t.attributes));
  }
  return has((data as StoredLead).attributes);
}

/**
 * The attribute names a failure refuses: its fields of the form `attributes.<name>` (how transports
 * name a field of the change formats), as {@link carriesField} looks them up.
 */
export function attributesNamed(fault: MarketoCallError): string[] {
  return fault.fields.filter((f) => f.startsWith('attributes.')).map((f) => f.slice('attributes.'.length));
}

/**
 * Finds the records behind a whole-call record fault within a budget of calls.
 *
 * When the fault names fields (`unknown fields for import: X`), every record of the batch carrying
 * one is failed at once, without a call, and the rest go in one call: a bad mapping costs one extra
 * call per batch, not one per record. A fault naming no field (or none that a record carries) is
 * isolated by splitting ({@link partsFor}), breadth first, so that healthy parts go through early.
 * Once `budget` calls are made, the records not yet decided are handed back rather than held in the
 * batch, so that one bad batch never holds the calls and the rate tokens that other batches wait for.
 */
export async function isolateRecordFault(job: RecordFaultJob): Promise<RecordFaultSummary> {
  const summary: RecordFaultSummary = { calls: 0, failedByField: new Map(), isolated: 0, undecided: 0 };
  // Each refused field, with the fault that named it (its text becomes the records' reason).
  const refused = new Map<string, MarketoCallError>();
  const queue: BatchEntry[][] = [];

  const dropCarriers = (part: readonly BatchEntry[]): BatchEntry[] => {
    if (refused.size === 0) return [...part];
    return part.filter((entry) => {
      for (const [field, fault] of refused) {
        if (!carriesField(entry.data, field)) continue;
        job.fail(entry, fault, field);
        summary.failedByField.set(field, (summary.failedByField.get(field) ?? 0) + 1);
        return false;
      }
      return true;
    });
  };

  const onFault = (part: readonly BatchEntry[], fault: MarketoCallError): void => {
    const named = attributesNamed(fault);
    const carried = named.filter((field) => part.some((entry) => carriesField(entry.data, field)));
    if (carried.length > 0) {
      for (const field of carried) if (!refused.has(field)) refused.set(field, fault);
      const rest = dropCarriers(part);
      if (rest.length > 0) queue.unshift(rest);
      return;
    }
    if (part.length === 1) {
      job.fail(part[0]!, fault);
      summary.isolated++;
      return;
    }
    queue.push(...splitInto(part, partsFor(part.length, job.budget - summary.calls)));
  };

  onFault(job.entries, job.fault);
  while (queue.length > 0) {
    const part = dropCarriers(queue.shift()!);
    if (part.length === 0) continue;
    if (summary.calls >= job.budget) {
      const undecided = [part, ...queue.splice(0).map(dropCarriers)].flat();
      summary.undecided = undecided.length;
      if (undecided.length > 0) job.giveBack(undecided, job.fault);
      break;
    }
    summary.calls++;
    const faulted = await job.send(part);
    // Only the undecided records go on: those the transport settled before the fault are done, and
    // sending them again could create twice.
    if (faulted !== undefined && faulted.undecided.length > 0) onFault(faulted.undecided, faulted.fault);
  }
  return summary;
}
