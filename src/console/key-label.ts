/** A URI-encoded part of a record key, decoded (left as it is when it is not valid encoding). */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * How an operator reads a record key: `ada@example.com` for `L:em:ada%40example.com`, `lead 42`,
 * `CUSTOM crm-7`, `Opportunity crmOpportunityId=o-1`; a key that never merges keeps its `#sequence`.
 * The record page shows the raw key beside it.
 */
export function keyLabel(key: string): string {
  const [base = key, seq] = key.split('#');
  const tail = seq !== undefined ? ` #${seq}` : '';
  let m: RegExpExecArray | null;
  if ((m = /^L:em:(.*)$/.exec(base))) return `${decoded(m[1]!)}${tail}`;
  if ((m = /^L:id:(.*)$/.exec(base))) return `lead ${m[1]}${tail}`;
  if ((m = /^L:fs:([A-Z]+):(.*)$/.exec(base))) return `${m[1]} ${decoded(m[2]!)}${tail}`;
  if ((m = /^O:([^:]+):ek:([^=]*)=(.*)$/.exec(base)))
    return `${m[1]} ${decoded(m[2]!)}=${decoded(m[3]!)}${tail}`;
  if ((m = /^O:([^:]+):id:(.*)$/.exec(base))) return `${m[1]} ${m[2]}${tail}`;
  return key;
}
