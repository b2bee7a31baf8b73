import type { BufferKeys } from '../buffer/keys.js';
import type { Outcome } from '../buffer/types.js';
import type { Cluster, Redis } from 'ioredis';

/** Every outcome in the stream, oldest first. */
export async function readAllOutcomes(redis: Redis | Cluster, keys: BufferKeys): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let start = '-';
  for (;;) {
    const entries = await redis.xrange(keys.outcomes, start, '+', 'COUNT', 5000);
    for (const [, fields] of entries) out.push(JSON.parse(fields[fields.indexOf('outcome') + 1]!) as Outcome);
    if (entries.length < 5000) return out;
    start = `(${entries.at(-1)![0]}`;
  }
}
