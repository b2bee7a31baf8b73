/**
 * The merge of a newer change into a record's data, exactly as `merge()` in common.lua does it: attribute
 * by attribute the newer wins, Program cost and tag entries accumulate, associations replace the one of
 * their type, every other field is replaced. Used to merge a claimed lead's waiting changes (`more`) in
 * the worker rather than in Redis.
 */

type Json = Record<string, unknown>;

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null;
}

/** Merges `newer` into `older` (changed in place) and returns it. */
export function mergeStored(older: Json, newer: Json): Json {
  for (const [k, v] of Object.entries(newer)) {
    const old = older[k];
    if (k === 'attributes' && isMap(v) && isMap(old)) {
      Object.assign(old, v);
    } else if (k === 'typeAttributes' && isMap(v) && isMap(old)) {
      const list = Array.isArray(old) ? old : Object.values(old);
      for (const t of Array.isArray(v) ? v : Object.values(v)) list.push(t);
      older[k] = list;
    } else if (k === 'associations' && isMap(v) && isMap(old)) {
      const list = (Array.isArray(old) ? old : Object.values(old)) as Json[];
      for (const a of (Array.isArray(v) ? v : Object.values(v)) as Json[]) {
        let replaced = false;
        list.forEach((b, j) => {
          if (b.mObjType === a.mObjType) {
            list[j] = a;
            replaced = true;
          }
        });
        if (!replaced) list.push(a);
      }
      older[k] = list;
    } else {
      older[k] = v;
    }
  }
  return older;
}

/**
 * `data` with a record's waiting changes merged in order: `more` is their JSON texts, each ended by a
 * line feed, as the producer wrote them (JSON text never holds a raw line feed).
 */
export function foldWaiting(data: Json, more: string): Json {
  let value = data;
  for (const text of more.split('\n')) {
    if (text !== '') value = mergeStored(value, JSON.parse(text) as Json);
  }
  return value;
}
