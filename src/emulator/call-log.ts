import type { TransportKind } from '../vocabulary/transport-kinds.js';

/** One entry of the emulator's call log, for `GET /_emulator/calls`. */
export interface CallLogEntry {
  /** 1, 2, 3, … in the order calls arrived. */
  seq: number;
  /** Which API the call came through. */
  transport: TransportKind;
  operation: string;
  recordCount: number;
  /**
   * `ok`, `fault`, `http-502`/`http-503`, `reset`, `hang`, `rejected` (not a SOAP call at all), or, for a
   * call applied whose answer was lost, `applied-reset`, `applied-hang`, `applied-late`; `late-applied`
   * for a call held before it was applied (`apply-late`), answered only if the client was still there.
   */
  status: string;
  faultCode?: number;
  /** When the call arrived and when it was answered, epoch ms: overlapping calls can be found. */
  startedAt: number;
  endedAt?: number;
  durationMs?: number;
  /** syncMultipleLeads: the dedupEnabled in force; syncMObjects: the operation. */
  dedupEnabled?: boolean;
  mobjectOperation?: string;
  /** REST: HTTP status of the answer, when it was answered. */
  httpStatus?: number;
  /** REST: the request's `action`, `lookupField`, `partitionName`, `dedupeBy`; program calls: the id. */
  action?: string;
  lookupField?: string;
  partitionName?: string;
  dedupeBy?: string;
  deleteBy?: string;
  programId?: number;
  /** REST list membership calls: the list id; Sync Program Member Status: the status name. */
  listId?: number;
  statusName?: string;
  /** REST custom objects: the type of the path. */
  apiName?: string;
  /** The records as received. */
  records: unknown[];
  /**
   * The client closed the connection before the answer was written (it had given up, e.g. after its
   * response timeout): like Marketo, the emulator still applied a call it had read whole.
   */
  clientGone?: true;
}

/** A bounded log of calls, oldest dropped first. */
export class CallLog {
  #entries: CallLogEntry[] = [];
  #seq = 0;
  #byTransport = { soap: 0, rest: 0 };

  constructor(private capacity: () => number) {}

  start(operation: string, transport: TransportKind = 'soap'): CallLogEntry {
    this.#byTransport[transport]++;
    const entry: CallLogEntry = {
      seq: ++this.#seq,
      transport,
      operation,
      recordCount: 0,
      status: 'pending',
      startedAt: Date.now(),
      records: [],
    };
    this.#entries.push(entry);
    const over = this.#entries.length - this.capacity();
    if (over > 0) this.#entries.splice(0, over);
    return entry;
  }

  finish(entry: CallLogEntry, status: string, faultCode?: number): void {
    entry.status = status;
    if (faultCode !== undefined) entry.faultCode = faultCode;
    entry.endedAt = Date.now();
    entry.durationMs = entry.endedAt - entry.startedAt;
  }

  /** Entries with `seq` greater than `since`. */
  since(since = 0): CallLogEntry[] {
    return this.#entries.filter((e) => e.seq > since);
  }

  get total(): number {
    return this.#seq;
  }

  /** Calls so far by transport (identity requests included in `rest`). */
  get totalsByTransport(): { soap: number; rest: number } {
    return { ...this.#byTransport };
  }

  clear(): void {
    this.#entries = [];
    this.#seq = 0;
    this.#byTransport = { soap: 0, rest: 0 };
  }
}
