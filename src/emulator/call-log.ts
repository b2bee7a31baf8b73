/** One entry of the emulator's call log, for `GET /_emulator/calls`. */
export interface CallLogEntry {
  /** 1, 2, 3, … in the order calls arrived. */
  seq: number;
  operation: string;
  recordCount: number;
  /**
   * `ok`, `fault`, `http-502`/`http-503`, `reset`, `hang`, `rejected` (not a SOAP call at all), or, for a
   * call applied whose answer was lost, `applied-reset`, `applied-hang`, `applied-late`.
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
  /** The records as received. */
  records: unknown[];
}

/** A bounded log of calls, oldest dropped first. */
export class CallLog {
  #entries: CallLogEntry[] = [];
  #seq = 0;

  constructor(private capacity: () => number) {}

  start(operation: string): CallLogEntry {
    const entry: CallLogEntry = {
      seq: ++this.#seq,
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

  clear(): void {
    this.#entries = [];
    this.#seq = 0;
  }
}
