/** Marketo refuses request bodies over 1 MB (HTTP 413); requests are cut below this before sending. */
export const MAX_BODY_BYTES = 1_000_000;

/** How records of known serialized sizes are cut into requests. */
export interface BodyPlan {
  /** Indexes of the records of each request, in order. */
  requests: number[][];
  /** Indexes of records that alone make a body too large. */
  tooLarge: number[];
}

/**
 * Cuts records into consecutive requests of at most `maxRecords` records whose body — `overhead`
 * bytes of envelope, the records, and a one-byte separator between them — stays within `maxBytes`.
 * Order is kept; a record that cannot fit even alone is set aside.
 */
export function planBodies(
  sizes: readonly number[],
  overhead: number,
  maxBytes = MAX_BODY_BYTES,
  maxRecords = Number.POSITIVE_INFINITY,
): BodyPlan {
  const plan: BodyPlan = { requests: [], tooLarge: [] };
  let current: number[] = [];
  let bytes = overhead;
  sizes.forEach((size, index) => {
    if (overhead + size > maxBytes) {
      plan.tooLarge.push(index);
      return;
    }
    const added = current.length === 0 ? size : size + 1;
    if (current.length >= maxRecords || bytes + added > maxBytes) {
      plan.requests.push(current);
      current = [];
      bytes = overhead;
    }
    bytes += current.length === 0 ? size : size + 1;
    current.push(index);
  });
  if (current.length > 0) plan.requests.push(current);
  return plan;
}
