import type { EmulatedProgram, MObjectStore, ProgramCost } from '../mobject-store.js';
import { RestCallError } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';
import { isJsonObject, shown } from './rest-records.js';

/**
 * Update Program Metadata (`POST /rest/asset/v1/program/{id}.json`, form-encoded) on the shared
 * programs: `costs` (a JSON array) are appended, or replace every cost with `costsDestructiveUpdate=true`
 * (no `costs` then clears them); `tags` (a JSON array) set one value per tag type; `name` and
 * `description` change. The call applies whole or not at all; errors are whole-call, as asset calls
 * have no per-record results.
 */

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

interface ProgramUpdate {
  name?: string;
  description?: string;
  costs?: ProgramCost[];
  destructive: boolean;
  tags: [string, string][];
}

function jsonArray(form: URLSearchParams, name: string): unknown[] | undefined {
  const raw = form.get(name);
  if (raw === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new RestCallError(1003, `Invalid value for ${name}: not valid JSON`);
  }
  if (!Array.isArray(value)) throw new RestCallError(1003, `Invalid value for ${name}: must be a JSON array`);
  return value;
}

function readCosts(form: URLSearchParams, rest: RestConfig): ProgramCost[] | undefined {
  const list = jsonArray(form, 'costs');
  if (!list) return undefined;
  return list.map((entry, i) => {
    if (!isJsonObject(entry))
      throw new RestCallError(1003, `Invalid value for costs[${i}]: must be an object`);
    const { startDate, cost, note } = entry;
    if (startDate === undefined || cost === undefined)
      throw new RestCallError(
        1002,
        `Missing value for required parameter 'costs[${i}].${startDate === undefined ? 'startDate' : 'cost'}'`,
      );
    if (typeof startDate !== 'string' || !DATE.test(startDate))
      throw new RestCallError(704, `Invalid date format: costs[${i}].startDate ${shown(startDate)}`);
    const whole = typeof cost === 'number' && Number.isInteger(cost) && Math.abs(cost) <= 2 ** 31 - 1;
    const number = typeof cost === 'number' && Number.isFinite(cost);
    if (!(whole || (number && rest.costDecimals === 'accept')))
      throw new RestCallError(
        1001,
        `Invalid value ${shown(cost)}. Required of type 'integer' (costs[${i}].cost)`,
      );
    if (note !== undefined && typeof note !== 'string')
      throw new RestCallError(1003, `Invalid value for costs[${i}].note: must be a string`);
    const result: ProgramCost = {
      id: 0,
      month: startDate.slice(0, 7),
      amount: cost as number,
      startDate: startDate.slice(0, 10),
    };
    if (note !== undefined) result.note = note;
    return result;
  });
}

function readTags(form: URLSearchParams, objects: MObjectStore): [string, string][] {
  const list = jsonArray(form, 'tags') ?? [];
  return list.map((entry, i) => {
    if (!isJsonObject(entry) || typeof entry.tagType !== 'string' || typeof entry.tagValue !== 'string')
      throw new RestCallError(
        1003,
        `Invalid value for tags[${i}]: must be {"tagType": string, "tagValue": string}`,
      );
    const check = objects.tagCheck(entry.tagType, entry.tagValue);
    if (check === 'no-type')
      throw new RestCallError(709, `Tag type ${shown(entry.tagType)} does not exist (tags[${i}])`);
    if (check === 'no-value')
      throw new RestCallError(
        709,
        `Tag value ${shown(entry.tagValue)} is not allowed for tag type ${shown(entry.tagType)} (tags[${i}])`,
      );
    return [entry.tagType, entry.tagValue];
  });
}

function readUpdate(form: URLSearchParams, rest: RestConfig, objects: MObjectStore): ProgramUpdate {
  const destructiveText = form.get('costsDestructiveUpdate');
  if (destructiveText !== null && destructiveText !== 'true' && destructiveText !== 'false')
    throw new RestCallError(
      1003,
      `Invalid value ${shown(destructiveText)} for costsDestructiveUpdate: must be true or false`,
    );
  const update: ProgramUpdate = { destructive: destructiveText === 'true', tags: readTags(form, objects) };
  const costs = readCosts(form, rest);
  if (costs) update.costs = costs;
  const name = form.get('name');
  if (name !== null) {
    if (name.trim() === '') throw new RestCallError(701, 'name cannot be blank');
    update.name = name;
  }
  const description = form.get('description');
  if (description !== null) update.description = description;
  return update;
}

/** Marketo's program view, as Get Program by Id and Update Program answer it. */
export function programView(program: EmulatedProgram): unknown {
  const view: Record<string, unknown> = {
    id: program.id,
    name: program.name,
    description: program.description ?? '',
    createdAt: '2026-01-01T00:00:00Z+0000',
    updatedAt: program.updatedAt ?? '2026-01-01T00:00:00Z+0000',
    url: `https://app.example.com/#PG${program.id}A1`,
    type: 'Default',
    channel: program.tags.Channel ?? '',
    folder: { type: 'Folder', value: 1, folderName: 'Marketing Activities' },
    status: '',
    workspace: 'Default',
    tags: Object.entries(program.tags).map(([tagType, tagValue]) => ({ tagType, tagValue })),
    costs: program.costs.map((c) => {
      const cost: Record<string, unknown> = { startDate: c.startDate ?? `${c.month}-01`, cost: c.amount };
      if (c.note !== undefined) cost.note = c.note;
      return cost;
    }),
  };
  return view;
}

export function findProgram(objects: MObjectStore, id: number, rest: RestConfig): EmulatedProgram {
  const program = objects.program(id);
  if (!program) throw new RestCallError(rest.unknownProgramCode, `Program ${id} not found`);
  return program;
}

/** Applies one Update Program call and answers the program as it now is. */
export function updateProgram(
  id: number,
  form: URLSearchParams,
  objects: MObjectStore,
  rest: RestConfig,
): unknown {
  const program = findProgram(objects, id, rest);
  const update = readUpdate(form, rest, objects);
  if (update.destructive) program.costs = [];
  for (const cost of update.costs ?? []) program.costs.push({ ...cost, id: objects.newCostId() });
  for (const [type, value] of update.tags) program.tags[type] = value;
  if (update.name !== undefined) program.name = update.name;
  if (update.description !== undefined) program.description = update.description;
  program.updatedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z+0000');
  return programView(program);
}
