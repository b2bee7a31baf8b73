import type { BufferedChange } from '../buffer/buffer.js';
import { validateLeads, validateMObjects, type IntakeRules } from '../producer/changes.js';
import type { RefusedRow, RunData } from './run-types.js';

/** Checks one row of an export: the change the buffer would take, or why the row is refused. */
export type RowValidator = (line: number, value: unknown) => BufferedChange | RefusedRow;

/**
 * The validator of rows of `kind`: the intake's rules (`rules`: the producer's, so that what only the
 * workers' transport carries, a Company or a custom object over REST, is taken as intake takes it),
 * and one of reconcile's own: a change that creates a new record each time (no dedup, INSERT) cannot
 * be compared with what was sent before.
 */
export function rowValidator(kind: RunData['kind'], rules: IntakeRules = {}): RowValidator {
  const validate = kind === 'leads' ? validateLeads : validateMObjects;
  return (line, value) => {
    const result = validate([value], () => line, rules);
    const change = result.valid[0]?.change;
    if (!change)
      return {
        line,
        field: result.problems[0]?.field ?? '(record)',
        reason: result.problems.map((p) => `${p.field}: ${p.reason}`).join('; '),
      };
    // A custom object's createOnly is refused (1017) once the record exists: every later run would
    // send it again and never confirm it.
    if (change.group.startsWith('C:') && change.group.endsWith(':INSERT'))
      return {
        line,
        field: 'operation',
        reason: 'INSERT (createOnly) fails once the custom object exists: reconcile with UPSERT or UPDATE',
      };
    if (change.key.endsWith('#'))
      return {
        line,
        field: kind === 'leads' ? 'dedupEnabled' : 'operation',
        reason:
          kind === 'leads'
            ? 'dedupEnabled=false creates a new lead each time: it cannot be reconciled'
            : 'INSERT creates a new object each time: reconcile with UPSERT or UPDATE',
      };
    return change;
  };
}
