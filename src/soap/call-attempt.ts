import type { CallAttempt } from '../transport/attempt.js';
import type { AttemptReport } from './client.js';
import { MarketoFault } from './faults.js';

/** A SOAP attempt: the operation as it is; Marketo's fault code, or null for transport and format errors. */
export function soapCallAttempt(report: AttemptReport): CallAttempt {
  const attempt: CallAttempt = {
    operation: report.operation,
    records: report.recordCount,
    durationMs: report.durationMs,
  };
  if (report.error) {
    const code =
      report.error instanceof MarketoFault && report.error.code !== undefined
        ? String(report.error.code)
        : null;
    attempt.error = { category: report.error.category, code };
  }
  return attempt;
}
