/**
 * Every Redis key of one mktsync deployment, under one hash tag so that Redis Cluster keeps them in
 * one slot and the Lua scripts may touch them together.
 */
export interface BufferKeys {
  /** The `{prefix}` base every other key starts with. */
  readonly base: string;
  /** INCR counter: the acceptance sequence number. */
  readonly seq: string;
  /** Hash per record: the merged pending state. */
  rec(key: string): string;
  /** Sorted set per batch group: record keys waiting, scored by the time they become eligible. */
  dirty(group: string): string;
  /** Set of batch groups that ever held a record. */
  readonly groups: string;
  /** Hash record key → batch id of the call it is in. */
  readonly inflight: string;
  /** Hash per batch: its group and the snapshot of its records. */
  batch(id: string): string;
  /** Sorted set batch id → lease expiry: the calls in flight, for concurrency and crash recovery. */
  readonly leases: string;
  /** Sorted set of call admissions in the rate window. */
  readonly rate: string;
  /** Epoch ms until which no call may start (throttle or quota pause). */
  readonly pause: string;
  /** Set while sending is stopped after an authentication fault; holds the reason. */
  readonly stop: string;
  /** The latest outcome of a record (JSON), kept for the retention time. */
  outcome(key: string): string;
  /** Stream of every outcome, for downstream consumers. */
  readonly outcomes: string;
  /** Hash record key → dead-letter entry (JSON). */
  readonly dlq: string;
  /** Sorted set record key → time it was dead-lettered. */
  readonly dlqIndex: string;
  /** Hash of counters (changes accepted, coalesced, …) for metrics. */
  readonly counters: string;
  /** Calls made on a quota day (`YYYY-MM-DD` in US Central), for the daily-quota gauge. */
  callsOn(day: string): string;
  /** Epoch ms of the last successful call by any worker. */
  readonly lastSuccess: string;
  /** Per producer idempotency key, for its window: `seq key`, the reference the change was written at. */
  idem(idempotencyKey: string): string;
  /**
   * Hash per program: status name → step of its channel, which ENQUEUE and put-backs read to keep the
   * furthest program member status (written by the workers, see {@link RedisBuffer.setProgramSteps}).
   */
  steps(programId: number): string;
  /**
   * Present once a worker of a release that merges a lead's waiting changes (`more`, common.lua) has
   * started on this prefix: only then does ENQUEUE leave them waiting, so that producers upgraded
   * before the workers never write what an older worker would not read.
   */
  readonly mergeWait: string;
}

/** Redis key names for `prefix` (letters, digits, `-`, `_`, `.`, `:`). */
export function bufferKeys(prefix: string): BufferKeys {
  if (!/^[A-Za-z0-9_.:-]+$/.test(prefix)) {
    throw new TypeError(
      `prefix must be letters, digits, '-', '_', '.' or ':', got ${JSON.stringify(prefix)}`,
    );
  }
  const base = `{${prefix}}`;
  return {
    base,
    seq: `${base}:seq`,
    rec: (key) => `${base}:rec:${key}`,
    dirty: (group) => `${base}:dirty:${group}`,
    groups: `${base}:groups`,
    inflight: `${base}:inflight`,
    batch: (id) => `${base}:batch:${id}`,
    leases: `${base}:leases`,
    rate: `${base}:rate`,
    pause: `${base}:pause`,
    stop: `${base}:stop`,
    outcome: (key) => `${base}:outcome:${key}`,
    outcomes: `${base}:outcomes`,
    dlq: `${base}:dlq`,
    dlqIndex: `${base}:dlq:index`,
    counters: `${base}:counters`,
    callsOn: (day) => `${base}:calls:${day}`,
    lastSuccess: `${base}:last_success`,
    idem: (k) => `${base}:idem:${k}`,
    steps: (programId) => `${base}:steps:${programId}`,
    mergeWait: `${base}:merge_wait`,
  };
}
