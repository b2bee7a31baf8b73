import { MarketoCallError, type RecordResult } from '../transport/contract.js';

/**
 * An object the instance's native CRM sync owns is read-only (Adobe: Company APIs under SFDC or
 * Dynamics sync; the emulator applies the same to custom object types it marks `crmManaged`), and
 * Marketo answers every record of it with 1018 "CRM Enabled". Failing each record would dead-letter
 * the whole stream of that object one call after another; instead the call fails as `read-only`, and
 * the worker holds the group's records (no attempt burnt, other groups going on) until the pause ends.
 */

/** Marketo's record code for a write refused because a native CRM integration is enabled. */
export const CRM_ENABLED = '1018';

/**
 * `results` when no record was refused as read-only; else a `read-only` call error carrying the
 * results of the records before the first one refused (settled), the rest to be held.
 */
export function stopOnReadOnly(results: RecordResult[], what: string): RecordResult[] {
  const first = results.findIndex((r) => r.status === 'FAILED' && r.code === CRM_ENABLED);
  if (first === -1) return results;
  const said = results[first]!.message ?? 'CRM Enabled';
  throw new MarketoCallError(
    `Marketo refused ${what} as read-only (${CRM_ENABLED} ${said}): the instance's native CRM sync owns it, so its group is held, not sent, until the pause ends`,
    { category: 'read-only', code: CRM_ENABLED, applied: 'not-applied', settled: results.slice(0, first) },
  );
}
