import type { FaultsConfig, LatencyConfig, RecordRule } from './config.js';
import type { ReceivedLead, ReceivedMObject } from './request-reader.js';
import { recordError } from './fault.js';

/** A small seeded PRNG (mulberry32): fault injection repeats exactly for the same seed. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(rate: number): boolean {
    return rate > 0 && this.next() < rate;
  }
  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** z of the 99th percentile of the standard normal distribution. */
const Z99 = 2.3263;

/** Draws one latency in ms from the configured distribution. */
export function drawLatency(latency: LatencyConfig | null, random: Random): number {
  if (latency === null) return 0;
  if ('fixedMs' in latency) return latency.fixedMs;
  if ('minMs' in latency) return latency.minMs + random.next() * Math.max(0, latency.maxMs - latency.minMs);
  const sigma = Math.log(Math.max(latency.p99Ms, latency.medianMs) / latency.medianMs) / Z99;
  return latency.medianMs * Math.exp(sigma * random.normal());
}

/** The transport-level misbehaviour chosen for one call, decided before the call is read. */
export type TransportMischief = 'reset' | 'hang' | 502 | 503 | undefined;

function chooseMischief(faults: FaultsConfig, random: Random, counter: number): TransportMischief {
  if (random.chance(faults.resetRate)) return 'reset';
  if (random.chance(faults.hangRate)) return 'hang';
  if (random.chance(faults.httpErrorRate)) return counter % 2 === 0 ? 502 : 503;
  return undefined;
}

/**
 * The misbehaviour of one call, SOAP or REST, before it is read: a `failNext` of hang, reset, 502 or 503
 * (counted down here), else one drawn at the configured rates.
 */
export function takeMischief(faults: FaultsConfig, random: Random, counter: number): TransportMischief {
  const drawn = chooseMischief(faults, random, counter);
  const next = faults.failNext;
  if (
    next &&
    next.calls > 0 &&
    (next.effect === 'hang' || next.effect === 'reset' || next.effect === 502 || next.effect === 503)
  ) {
    next.calls--;
    return next.effect;
  }
  return drawn;
}

function leadMatches(rule: RecordRule, lead: ReceivedLead): boolean {
  const m = rule.match;
  if (m.type !== undefined || m.externalKeyValue !== undefined) return false;
  if (m.id !== undefined && lead.Id !== m.id) return false;
  if (m.email !== undefined && lead.Email?.toLowerCase() !== m.email.toLowerCase()) return false;
  if (m.foreignSysPersonId !== undefined && lead.ForeignSysPersonId !== m.foreignSysPersonId) return false;
  if (m.attribute !== undefined) {
    const { name, value } = m.attribute;
    if (!lead.attributes.some((a) => a.name === name && (value === undefined || a.value === value)))
      return false;
  }
  return true;
}

function mobjectMatches(rule: RecordRule, object: ReceivedMObject): boolean {
  const m = rule.match;
  if (m.email !== undefined || m.foreignSysPersonId !== undefined) return false;
  if (m.type !== undefined && object.type !== m.type) return false;
  if (m.id !== undefined && object.id !== m.id) return false;
  if (m.externalKeyValue !== undefined && object.externalKey?.value !== m.externalKeyValue) return false;
  if (m.attribute !== undefined) {
    const { name, value } = m.attribute;
    if (!object.attributes.some((a) => a.name === name && (value === undefined || a.value === value)))
      return false;
  }
  return true;
}

/** What the record rules decide for one call: a whole-call fault, or per-record failures by index. */
export interface RuleVerdict {
  fault?: { code: number; detail: string };
  failures: Map<number, string>;
}

/**
 * Applies the record rules to a call's records. A rule with `times` counts down each call it fires in
 * and is removed at zero (the caller keeps the mutated list).
 */
export function applyRecordRules(
  rules: RecordRule[],
  records: readonly (ReceivedLead | ReceivedMObject)[],
  isLead: boolean,
): RuleVerdict {
  const verdict: RuleVerdict = { failures: new Map() };
  for (const rule of rules) {
    if (rule.times !== undefined && rule.times <= 0) continue;
    let fired = false;
    records.forEach((record, index) => {
      const hit = isLead
        ? leadMatches(rule, record as ReceivedLead)
        : mobjectMatches(rule, record as ReceivedMObject);
      if (!hit) return;
      fired = true;
      if (rule.effect === 'fault') {
        verdict.fault ??= {
          code: rule.code ?? 20105,
          detail: rule.message ?? 'injected fault for a matching record',
        };
      } else if (!verdict.failures.has(index)) {
        const code = rule.code ?? 20106;
        verdict.failures.set(index, recordError(code, rule.message ?? 'Lead sync failed (injected)'));
      }
    });
    if (fired && rule.times !== undefined) rule.times--;
  }
  return verdict;
}

/** How the answer of an applied call is lost: the connection reset, never answered, or answered late. */
export type LostAnswer = 'apply-then-reset' | 'apply-then-hang' | 'apply-then-late';

/**
 * Decides, once a call of `operation` has been applied to the stores, whether its answer is lost (only
 * for the operations `lostAnswerOperations` lists, when it lists any). A `failNext` of an
 * `apply-then-*` effect counts down here, so it only counts calls that were really applied.
 */
export function chooseLostAnswer(
  faults: FaultsConfig,
  random: Random,
  operation?: string,
): LostAnswer | undefined {
  // Limited to some operations (e.g. only Add Custom Activities): the others are answered.
  const only = faults.lostAnswerOperations;
  if (only !== null && (operation === undefined || !only.includes(operation))) return undefined;
  const next = faults.failNext;
  if (
    next &&
    next.calls > 0 &&
    (next.effect === 'apply-then-reset' ||
      next.effect === 'apply-then-hang' ||
      next.effect === 'apply-then-late')
  ) {
    next.calls--;
    return next.effect;
  }
  return random.chance(faults.applyThenResetRate) ? 'apply-then-reset' : undefined;
}

/**
 * Whether this call is held back before it is applied (a `failNext` of `apply-late`, counted down
 * here, at the point where the call would be applied).
 */
export function takeLateApply(faults: FaultsConfig): boolean {
  const next = faults.failNext;
  if (next && next.calls > 0 && next.effect === 'apply-late') {
    next.calls--;
    return true;
  }
  return false;
}
