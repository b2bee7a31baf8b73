import { z } from 'zod';

/**
 * The REST section of the emulator's configuration: credentials, token lifetime, size limits, the
 * behaviours Adobe's documentation leaves open (each with the choice made here, see docs/emulator.md)
 * and the faults only REST has. The shared limits and faults of the main configuration apply to REST too.
 */

/** Whole-call codes a REST call can be made to answer with, for `rest.faults.failNext`. */
export const REST_FAIL_CODES = [601, 602, 604, 606, 607, 608, 611, 615, 713] as const;

/** Codes answered by `transientFaultRate` in turn (each with `success:false`, changing nothing). */
const transientCode = z.literal([604, 608, 611, 713]);

export const restConfigSchema = z.strictObject({
  /** The custom service's Client Id; REST is refused (identity HTTP 401) while either is unset. */
  clientId: z.string().min(1).optional(),
  /** The custom service's Client Secret: never shown by `GET /_emulator/config`, never logged. */
  clientSecret: z.string().min(1).optional(),
  /** The identity answer's `scope`: the API-only user owning the service. */
  scope: z.string().default('mktsync-emulator@example.com'),
  /** Lifetime of a new token, in seconds (Marketo: 3,600); fractions allowed for tests. */
  tokenTtlSeconds: z.number().positive().default(3600),
  /** `access_token` in the query string: Adobe removed it (2026-08-31), so it is refused by default. */
  accessTokenQuery: z.enum(['refuse', 'accept']).default('refuse'),
  /** Bodies above this many bytes get HTTP 413 (Marketo: 1 MB). */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Records per Sync Leads / Opportunities / Roles call (Marketo: 300). */
  maxRecords: z.number().int().positive().default(300),
  /** More records than `maxRecords`: whole-call 1003 (`refuse`) or processed (`accept`). Undocumented. */
  oversize: z.enum(['refuse', 'accept']).default('refuse'),
  /** A field the instance does not have: that record skipped with 1006 (`record`) or the call refused (`call`). */
  unknownField: z.enum(['record', 'call']).default('record'),
  /** Sync Leads with `asyncProcessing: true`: processed as if false (`sync`) or refused with 1003 (`refuse`). */
  asyncProcessing: z.enum(['sync', 'refuse']).default('sync'),
  /** Partitions of the instance; a `partitionName` not listed skips the record with 1008. */
  partitions: z.array(z.string().min(1)).min(1).default(['Default']),
  /** Whole-call code for an update of a program that does not exist. Undocumented. */
  unknownProgramCode: z.number().int().min(600).max(1999).default(702),
  /** A program cost that is not a whole number: refused with 1001 (Swagger: int32) or kept (`accept`). */
  costDecimals: z.enum(['refuse', 'accept']).default('refuse'),
  /** An opportunity created without a `name` is skipped with 1002 ("The 'name' field must not be null"). */
  opportunityNameRequired: z.boolean().default(true),
  /** The codes `faults.transientFaultRate` answers REST calls with, in turn. */
  transientCodes: z.array(transientCode).min(1).default([604, 608, 611, 713]),
  faults: z
    .strictObject({
      /** The next `calls` REST API calls (identity excluded) are answered `success:false` with `code`. */
      failNext: z
        .strictObject({
          calls: z.number().int().min(0),
          code: z.literal(REST_FAIL_CODES),
        })
        .nullable()
        .default(null),
      /** The next `calls` identity requests fail this way (HTTP 401 is "bad credentials"). */
      identityFailNext: z
        .strictObject({
          calls: z.number().int().min(0),
          effect: z.union([z.enum(['hang', 'reset']), z.literal([401, 502, 503])]),
        })
        .nullable()
        .default(null),
      /** The next N identity answers say `expires_in: 0` while the token is still valid (seen in the wild). */
      expiresInZero: z.number().int().min(0).default(0),
    })
    .prefault({}),
});

/** The REST section as validated. */
export type RestConfig = z.output<typeof restConfigSchema>;
