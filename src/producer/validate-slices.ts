import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { IntakeRules, ValidatedChanges } from './changes.js';
import { validatorOf, type ChangeKind } from './change-kinds.js';

/** Items validated between two turns of the event loop. */
const SLICE = 2_000;

/**
 * Validates a large body in slices, yielding to the event loop between them, so that one body of
 * 100,000 items does not hold up every other request while it is checked.
 */
export async function validateInSlices(
  kind: ChangeKind,
  items: readonly unknown[],
  at: (i: number) => number,
  rules: IntakeRules = {},
): Promise<ValidatedChanges> {
  const validate = validatorOf(kind);
  // One slice (the usual body): its result as it is, without copying every entry into another list.
  if (items.length <= SLICE) return validate(items, at, rules);
  const out: ValidatedChanges = { valid: [], problems: [] };
  for (let start = 0; start < items.length; start += SLICE) {
    if (start > 0) await yieldToLoop();
    const part = validate(items.slice(start, start + SLICE), (i) => at(start + i), rules);
    for (const v of part.valid) out.valid.push({ index: start + v.index, change: v.change });
    for (const p of part.problems) out.problems.push(p);
  }
  return out;
}
