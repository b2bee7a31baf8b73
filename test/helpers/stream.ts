import type { LeadChange, MObjectChange } from '../../src/producer/changes.js';
import type { ChangeReference, Producer } from '../../src/producer/producer.js';
import { attributeText } from '../../src/model/records.js';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import type { ReceivedLead, ReceivedMObject } from '../../src/emulator/request-reader.js';

/** A deterministic PRNG so a failing run can be repeated. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Change = { kind: 'lead'; change: LeadChange } | { kind: 'mobject'; change: MObjectChange };

const LEAD_FIELDS = ['FirstName', 'LastName', 'City', 'Company', 'LeadScore', 'lifecycleStage'];
const OPP_FIELDS = ['Name', 'Stage', 'Amount', 'Probability'];
const PROGRAMS = [1001, 1002, 1003, 1004];

/**
 * `total` changes over `leads` leads (by email) and `objects` objects (Opportunities by external key,
 * plus program costs), each record changing several times with overlapping attributes.
 */
export function makeStream(total: number, leads: number, objects: number, seed = 7): Change[] {
  const random = rng(seed);
  const opportunities = objects - PROGRAMS.length;
  const out: Change[] = [];
  const created = new Set<number>();
  for (let i = 0; i < total; i++) {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    if (i < leads || (i >= leads + objects && random() < 0.8)) {
      const n = i < leads ? i : Math.floor(random() * leads);
      const attributes: Record<string, string | number> = {};
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
        const field = pick(LEAD_FIELDS);
        attributes[field] = field === 'LeadScore' ? Math.floor(random() * 100) : `${field}-${i}`;
      }
      out.push({ kind: 'lead', change: { Email: `lead${n}@example.com`, attributes } });
    } else if (i < leads + opportunities || random() < 0.85) {
      const n = i < leads + opportunities ? i - leads : Math.floor(random() * opportunities);
      const attributes: Record<string, string | number> = {};
      for (let k = 1 + Math.floor(random() * 2); k > 0; k--) {
        const field = pick(OPP_FIELDS);
        attributes[field] =
          field === 'Amount' || field === 'Probability' ? Math.floor(random() * 1000) : `${field}-${i}`;
      }
      // The first change creates; later ones update or upsert.
      const operation = !created.has(n) ? 'UPSERT' : random() < 0.5 ? 'UPDATE' : 'UPSERT';
      created.add(n);
      out.push({
        kind: 'mobject',
        change: {
          type: 'Opportunity',
          operation,
          externalKey: { name: 'crmOpportunityId', value: `OPP-${n}` },
          attributes,
        },
      });
    } else {
      out.push({
        kind: 'mobject',
        change: {
          type: 'Program',
          operation: 'UPDATE',
          id: pick(PROGRAMS),
          typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: i } }],
        },
      });
    }
  }
  return out;
}

/** Enqueues `changes` in chunks through `producer`; returns each change with its reference. */
export async function enqueueAll(
  producer: Producer,
  changes: readonly Change[],
  chunk = 200,
): Promise<{ change: Change; ref: ChangeReference }[]> {
  const out: { change: Change; ref: ChangeReference }[] = [];
  for (let i = 0; i < changes.length; i += chunk) {
    const part = changes.slice(i, i + chunk);
    // Keep each call homogeneous; the order inside a chunk is kept per kind.
    const leads = part.filter((c) => c.kind === 'lead');
    const objects = part.filter((c) => c.kind === 'mobject');
    const l = await producer.enqueueLeads(leads.map((c) => c.change as LeadChange));
    const o = await producer.enqueueMObjects(objects.map((c) => c.change as MObjectChange));
    if (l.rejected.length + o.rejected.length > 0)
      throw new Error(`rejected: ${JSON.stringify([...l.rejected, ...o.rejected])}`);
    l.accepted.forEach((ref) => out.push({ change: leads[ref.index]!, ref }));
    o.accepted.forEach((ref) => out.push({ change: objects[ref.index]!, ref }));
  }
  return out;
}

/** The state Marketo should end with: the last-writer-wins merge of the changes in acceptance order. */
export function expectedState(accepted: { change: Change; ref: ChangeReference }[]) {
  const leads = new Map<string, Record<string, string>>();
  const opportunities = new Map<string, Record<string, string>>();
  const costs = new Map<number, number[]>();
  for (const { change } of [...accepted].sort((a, b) => a.ref.seq - b.ref.seq)) {
    if (change.kind === 'lead') {
      const key = change.change.Email!.toLowerCase();
      const current = leads.get(key) ?? {};
      for (const [k, v] of Object.entries(change.change.attributes ?? {})) current[k] = attributeText(v);
      leads.set(key, current);
    } else if (change.change.type === 'Opportunity') {
      const key = change.change.externalKey!.value;
      const current = opportunities.get(key) ?? {};
      for (const [k, v] of Object.entries(change.change.attributes ?? {})) current[k] = attributeText(v);
      opportunities.set(key, current);
    } else {
      const list = costs.get(change.change.id!) ?? [];
      for (const t of change.change.typeAttributes ?? []) list.push(Number(t.attributes.Amount));
      costs.set(change.change.id!, list);
    }
  }
  return { leads, opportunities, costs };
}

/** The identity of a record inside a call, as the emulator received it. */
function recordIdentity(call: CallLogEntry, record: unknown): string {
  if (call.transport === 'rest') {
    const r = record as Record<string, unknown>;
    if (call.operation === 'syncLeads') return `lead:${String(r.email ?? r.id ?? '').toLowerCase()}`;
    if (call.operation === 'updateProgram') return `Program:${call.programId ?? ''}:`;
    return `${call.operation}:${JSON.stringify(r.externalOpportunityId ?? r.marketoGUID ?? [r.leadId, r.role])}`;
  }
  if (call.operation === 'syncMultipleLeads')
    return `lead:${((record as ReceivedLead).Email ?? '').toLowerCase()}`;
  const o = record as ReceivedMObject;
  return `${o.type}:${o.id ?? ''}:${o.externalKey?.value ?? ''}`;
}

/** Checks batch discipline over the emulator's call log; returns every violation found. */
export function batchViolations(calls: readonly CallLogEntry[]): string[] {
  const problems: string[] = [];
  const answered = calls.filter((c) => c.operation !== 'unknown');
  for (const call of answered) {
    const max =
      call.operation === 'syncMultipleLeads' || call.transport === 'rest'
        ? call.operation === 'updateProgram'
          ? 1
          : 300
        : 100;
    if (call.recordCount > max) problems.push(`call ${call.seq} carried ${call.recordCount} records`);
    const ids = call.records.map((r) => recordIdentity(call, r));
    if (new Set(ids).size !== ids.length) problems.push(`call ${call.seq} carried a record twice`);
  }
  // Programs may legitimately repeat in the stream only as separate, non-overlapping calls. The one
  // overlap allowed is with a call its client had given up on (response timeout): the server still
  // applies a request it read whole, so any resend of it, by the client or the buffer, may overlap it.
  for (let i = 0; i < answered.length; i++) {
    const a = answered[i]!;
    if (a.clientGone) continue;
    const aIds = new Set(a.records.map((r) => recordIdentity(a, r)));
    for (let j = i + 1; j < answered.length; j++) {
      const b = answered[j]!;
      if (b.clientGone) continue;
      if (b.startedAt >= (a.endedAt ?? Infinity)) continue;
      if (a.startedAt >= (b.endedAt ?? Infinity)) continue;
      for (const r of b.records) {
        const id = recordIdentity(b, r);
        if (aIds.has(id)) problems.push(`${id} was in overlapping calls ${a.seq} and ${b.seq}`);
      }
    }
  }
  return problems;
}
