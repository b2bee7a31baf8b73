import { z } from 'zod';
import { restConfigSchema } from './rest/rest-config.js';
import { seedSchema } from './seed.js';

/**
 * The emulator's behaviour: Marketo's limits, the modes for behaviours nothing public documents, and
 * the faults it injects. Every limit can be switched off with `null`.
 */

const latencySchema = z.union([
  z.strictObject({ fixedMs: z.number().min(0) }),
  z.strictObject({ minMs: z.number().min(0), maxMs: z.number().min(0) }),
  /** Log-normal: realistic API latency with a long tail. */
  z.strictObject({ medianMs: z.number().positive(), p99Ms: z.number().positive() }),
]);
/** Latency added to every answered call. */
export type LatencyConfig = z.output<typeof latencySchema>;

const rate = z.number().min(0).max(1);

const recordRuleSchema = z.strictObject({
  /** Which records the rule hits; every given field must match. */
  match: z
    .strictObject({
      id: z.number().int().optional(),
      email: z.string().optional(),
      foreignSysPersonId: z.string().optional(),
      /** Hits a record that carries this attribute name (and value, when given). */
      attribute: z.strictObject({ name: z.string(), value: z.string().optional() }).optional(),
      /** syncMObjects: object type and external key value. */
      type: z.string().optional(),
      externalKeyValue: z.string().optional(),
    })
    .refine((m) => Object.keys(m).length > 0, 'match needs at least one field'),
  /** `fail`: that record gets FAILED; `fault`: the whole call faults. */
  effect: z.enum(['fail', 'fault']),
  /** Default 20106 for `fail`, 20105 for `fault`. */
  code: z.number().int().optional(),
  message: z.string().optional(),
  /** How many times the rule fires before it retires; unlimited when left out. */
  times: z.number().int().positive().optional(),
});
export type RecordRule = z.output<typeof recordRuleSchema>;

export const faultsSchema = z.strictObject({
  latency: latencySchema.nullable().default(null),
  /** Share of calls answered with fault 10001 or 20011 (alternating), after latency, changing nothing. */
  transientFaultRate: rate.default(0),
  /** Share of calls answered with HTTP 502 or 503 and no SOAP body, before anything else. */
  httpErrorRate: rate.default(0),
  /** Share of calls never answered (the connection stays open until the client gives up). */
  hangRate: rate.default(0),
  /** Share of calls whose connection is reset without an answer. */
  resetRate: rate.default(0),
  /** Share of admitted calls applied to the stores whose answer is then lost (the connection reset). */
  applyThenResetRate: rate.default(0),
  /**
   * The operations (call log names, e.g. `addCustomActivities`) whose answers `applyThenResetRate` and
   * `failNext` `apply-then-*` may lose; null: every operation.
   */
  lostAnswerOperations: z.array(z.string().min(1).max(100)).max(50).nullable().default(null),
  /**
   * How long an `apply-then-late` answer is held back after the call was applied: by default well
   * beyond a client's usual response timeout (mktsync's default is 60 s), so the client has given up.
   */
  lateAnswerMs: z.number().int().min(0).default(120_000),
  /**
   * How long an `apply-late` call is held before it is applied, whether or not the client is still
   * there: a request Marketo processes after the client gave up on it. By default Marketo's documented
   * server timeout of Sync Leads (90 s), the longest a request of ours may run there.
   */
  lateApplyMs: z.number().int().min(0).default(90_000),
  /** The next `calls` calls are answered with the throttle fault `code`. */
  throttleBurst: z
    .strictObject({
      calls: z.number().int().min(0),
      code: z.union([z.literal(20023), z.literal(20024)]).default(20023),
    })
    .nullable()
    .default(null),
  recordRules: z.array(recordRuleSchema).default([]),
  /**
   * The next `calls` calls fail with `effect`: a transport failure or a transient fault, deterministically.
   * `apply-then-*` apply the call to the stores first and then lose the answer (reset the connection,
   * never answer, or answer after `lateAnswerMs`); they count only calls that were applied.
   * `apply-late` holds a call `lateApplyMs` before applying it (answered then, if the client is still
   * connected): the abandoned request that lands after a newer one.
   */
  failNext: z
    .strictObject({
      calls: z.number().int().min(0),
      effect: z.union([
        z.enum(['hang', 'reset']),
        z.enum(['apply-then-reset', 'apply-then-hang', 'apply-then-late']),
        z.literal('apply-late'),
        z.literal(502),
        z.literal(503),
        z.literal(10001),
        z.literal(20011),
      ]),
    })
    .nullable()
    .default(null),
});
export type FaultsConfig = z.output<typeof faultsSchema>;

export const emulatorConfigSchema = z.strictObject({
  userId: z.string().min(1),
  encryptionKey: z.string().min(1),
  /** Largest accepted |now - requestTimestamp|, else fault 20016; null accepts any time. */
  timestampWindowMs: z
    .number()
    .int()
    .positive()
    .nullable()
    .default(15 * 60_000),
  limits: z
    .strictObject({
      /** Calls per rate window, else 20023. */
      rateCalls: z.number().int().positive().nullable().default(100),
      rateWindowMs: z.number().int().positive().default(20_000),
      /** Calls at once, else 20024. */
      concurrency: z.number().int().positive().nullable().default(10),
      /** Calls per day, else 20015; the day turns at midnight in `quotaTimeZone`. */
      dailyQuota: z.number().int().positive().nullable().default(10_000),
      quotaTimeZone: z.string().default('America/Chicago'),
    })
    .prefault({}),
  batch: z
    .strictObject({
      maxLeads: z.number().int().positive().default(300),
      maxMObjects: z.number().int().positive().default(100),
      /** Over the maximum: `accept` (with `oversizeLatencyMsPerRecord` added) or `fault` (20110). */
      oversizeLeads: z.enum(['accept', 'fault']).default('accept'),
      oversizeMObjects: z.enum(['accept', 'fault']).default('fault'),
      oversizeLatencyMsPerRecord: z.number().min(0).default(5),
    })
    .prefault({}),
  /** Unknown lead attribute: whole-call fault 20105 (as real Marketo did) or per-record FAILED. */
  unknownAttribute: z.enum(['fault', 'record']).default('fault'),
  /** Unknown child elements of leadRecord: ignored (as real Marketo did) or fault 20012. */
  unknownElements: z.enum(['ignore', 'fault']).default('ignore'),
  /** The same key twice in one call: applied in order, or (mode `duplicate`) a second lead created. */
  duplicateKeys: z.enum(['in-order', 'duplicate']).default('in-order'),
  /** Entries kept in the call log. */
  callLogSize: z.number().int().positive().default(10_000),
  /** Seed of the random choices of fault injection, for repeatable runs. */
  randomSeed: z.number().int().default(1),
  faults: faultsSchema.prefault({}),
  /** REST mode: credentials, token lifetime, sizes, REST-only behaviours and faults (docs/emulator.md). */
  rest: restConfigSchema.prefault({}),
  seed: seedSchema.optional(),
});

/** The emulator's full configuration. */
export type EmulatorConfig = z.output<typeof emulatorConfigSchema>;
/** What a caller may pass; everything but the credentials has a default. */
export type EmulatorConfigInput = z.input<typeof emulatorConfigSchema>;

/** Readable one-line-per-problem text of a zod error, naming each field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Raised for an invalid configuration; `message` names every bad field. */
export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
}

/** Validates a whole configuration. */
export function parseEmulatorConfig(input: unknown): EmulatorConfig {
  const parsed = emulatorConfigSchema.safeParse(input);
  if (!parsed.success) throw new EmulatorConfigError(describeZodError(parsed.error));
  return parsed.data;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value);
  return out;
}

/** Applies a partial update (objects merge, arrays and `null` replace) and validates the result. */
export function patchEmulatorConfig(current: EmulatorConfig, patch: unknown): EmulatorConfig {
  if (!isPlainObject(patch)) throw new EmulatorConfigError('(root): expected a JSON object');
  return parseEmulatorConfig(deepMerge(current, patch));
}
