/**
 * Redis keys of reconciliation. Set metadata, run checkpoints and the BullMQ queue live under the
 * deployment's hash tag `{prefix}` (one slot, like the buffer). The fingerprint buckets do not: they are
 * never touched together with the buffer, so each set spreads them over {@link FINGERPRINT_SLOT_GROUPS}
 * hash tags of its own and a large set never pins one Redis Cluster node.
 */

/** Hash tags a set's buckets are spread over: a bucket's group is `bucket % FINGERPRINT_SLOT_GROUPS`. */
export const FINGERPRINT_SLOT_GROUPS = 64;

/** Names a reconcile set may take (they appear in keys, metrics labels and BullMQ ids). */
export const SET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ReconcileKeys {
  /** The `{prefix}` BullMQ uses as its prefix, so its keys share the deployment's slot. */
  readonly base: string;
  /** Set of the names of every reconcile set. */
  readonly sets: string;
  /** Hash: a set's metadata (kind, buckets, generation, tracked, last run…). */
  set(name: string): string;
  /** String: the run currently holding a set. */
  lock(name: string): string;
  /** Hash: a run's checkpoint (line, counters, stamp…). */
  run(id: string): string;
  /** Hash record key → `seq|bucket|field+fingerprint` of records enqueued and awaiting their outcome. */
  pending(id: string): string;
  /** List: refused rows of a run (JSON, capped). */
  refused(id: string): string;
  /** List: record keys of a run whose outcome was not a success (capped). */
  failed(id: string): string;
  /** String: set when a run is asked to stop. */
  cancel(id: string): string;
  /** Hash schedule name → JSON (interval, set, created). */
  readonly schedules: string;
  /** Hash: one bucket of a set's fingerprints (field: 8-byte key digest; value: fingerprint, id, stamp). */
  bucket(set: string, generation: number, bucket: number): string;
}

export function reconcileKeys(prefix: string): ReconcileKeys {
  const base = `{${prefix}}`;
  return {
    base,
    sets: `${base}:rc:sets`,
    set: (name) => `${base}:rc:set:${name}`,
    lock: (name) => `${base}:rc:lock:${name}`,
    run: (id) => `${base}:rc:run:${id}`,
    pending: (id) => `${base}:rc:run:${id}:pending`,
    refused: (id) => `${base}:rc:run:${id}:refused`,
    failed: (id) => `${base}:rc:run:${id}:failed`,
    cancel: (id) => `${base}:rc:cancel:${id}`,
    schedules: `${base}:rc:schedules`,
    bucket: (set, generation, bucket) =>
      `{${prefix}:fp:${set}:${generation}:${bucket % FINGERPRINT_SLOT_GROUPS}}:${bucket}`,
  };
}
