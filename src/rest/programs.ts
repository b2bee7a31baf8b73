import type { StoredMObject } from '../buffer/types.js';
import { restObjectProblems } from './expressible.js';
import type { RestProblem } from './rest-problem.js';

/** The Asset API path that updates one program. */
export function programPath(id: number): string {
  return `/rest/asset/v1/program/${id}.json`;
}

/** The form body of Update Program, or why the program cannot be sent. */
export type ProgramForm = { ok: true; body: string } | { ok: false; problem: RestProblem };

/**
 * A Program's SOAP cost and tag entries as the Asset API's form: `costs` and `tags` as JSON texts.
 * A cost (Month `YYYY-MM`, Amount, Note) is appended (`startDate` the month's first day); REST cannot
 * change one existing cost entry. A tag (Type, Value) becomes `{tagType, tagValue}`.
 */
export function programForm(object: StoredMObject): ProgramForm {
  if (object.type !== 'Program')
    return { ok: false, problem: { field: 'type', reason: `is ${object.type} in a call of Program` } };
  const first = restObjectProblems(object, 'UPDATE')[0];
  if (first) return { ok: false, problem: first };
  const form = new URLSearchParams();
  const attributes = object.attributes ?? {};
  if (attributes.Name !== undefined) form.set('name', attributes.Name);
  if (attributes.Description !== undefined) form.set('description', attributes.Description);
  const costs: { startDate: string; cost: number; note?: string }[] = [];
  const tags: { tagType: string; tagValue: string }[] = [];
  for (const t of object.typeAttributes ?? []) {
    const a = t.attributes;
    if (t.attrType === 'Cost') {
      const cost: { startDate: string; cost: number; note?: string } = {
        startDate: `${a.Month!}-01`,
        cost: Number(a.Amount),
      };
      if (a.Note !== undefined && a.Note !== '') cost.note = a.Note;
      costs.push(cost);
    } else {
      tags.push({ tagType: a.Type!, tagValue: a.Value! });
    }
  }
  if (costs.length > 0) {
    form.set('costs', JSON.stringify(costs));
    // Append, as SOAP did for a cost entry without Id.
    form.set('costsDestructiveUpdate', 'false');
  }
  if (tags.length > 0) form.set('tags', JSON.stringify(tags));
  if ([...form.keys()].length === 0)
    return {
      ok: false,
      problem: { field: 'typeAttributes', reason: 'nothing to update: no name, description, cost or tag' },
    };
  return { ok: true, body: form.toString() };
}
