import { randomUUID } from 'node:crypto';
import type { Attrib, MObjSyncResult, SyncOperation } from '../soap/types.js';
import { recordError } from './fault.js';
import type { LeadStore } from './lead-store.js';
import type { ReceivedMObject } from './request-reader.js';
import { OPPORTUNITY_FIELDS, OPPORTUNITY_ROLE_FIELDS, type Seed } from './seed.js';

/**
 * Programs (costs and tags), Opportunities and OpportunityPersonRoles of the emulated instance, with
 * syncMObjects' rules: INSERT only inserts, UPDATE only updates, UPSERT does both; Program takes UPDATE
 * only; every object succeeds or fails on its own.
 */

export interface ProgramCost {
  id: number;
  month: string;
  amount: number;
  note?: string;
  /** REST: the cost period's start date as given (`2016-01-01`); SOAP costs have only `month`. */
  startDate?: string;
}

export interface EmulatedProgram {
  id: number;
  name: string;
  tags: Record<string, string>;
  costs: ProgramCost[];
  /** REST: set by Update Program. */
  description?: string;
  updatedAt?: string;
}

export interface EmulatedCompany {
  id: number;
  name: string;
  externalKey?: Attrib;
  /** REST: the fields Sync Companies wrote, by REST name (`company` is also `name`). */
  attributes?: Record<string, string>;
  createdAt?: string;
  updatedAt?: string;
}

/** An Opportunity or OpportunityPersonRole. */
export interface EmulatedObject {
  id: number;
  /** REST's id of the object, a string (SOAP uses `id`). */
  marketoGUID: string;
  type: 'Opportunity' | 'OpportunityPersonRole';
  externalKey?: Attrib;
  attributes: Record<string, string>;
  /** Associated object ids by type (Company for an Opportunity). */
  associations: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

/** A per-object failure: turned into a FAILED status by the store. */
class ObjectFailure extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
  }
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function attribMap(list: readonly Attrib[]): Map<string, string> {
  return new Map(list.map((a) => [a.name, a.value]));
}

export class MObjectStore {
  readonly #programs = new Map<number, EmulatedProgram>();
  readonly #companies = new Map<number, EmulatedCompany>();
  /** A company's external key value → its id (the value is what `externalCompanyId` names). */
  readonly #companyByValue = new Map<string, number>();
  #nextCompanyId = 6_001;
  readonly #objects = {
    Opportunity: new Map<number, EmulatedObject>(),
    OpportunityPersonRole: new Map<number, EmulatedObject>(),
  };
  /** `type|name=value` → id. */
  readonly #byExternalKey = new Map<string, number>();
  readonly #byGuid = new Map<string, EmulatedObject>();
  #tagValues: Record<string, string[]> = {};
  #nextObjectId = 2_000_001;
  #nextCostId = 3_001;
  /**
   * REST: the instance has a native CRM sync, under which Company APIs are read-only (Adobe's
   * companies page): Sync Companies refuses each record with 1018. From the seed; settable at run time.
   */
  nativeCrmSync = false;

  constructor(private readonly leads: LeadStore) {}

  /** Replaces programs, tag values and companies with `seed`; opportunities and roles stay. */
  loadSeed(seed: Seed): void {
    this.#programs.clear();
    for (const p of seed.programs)
      this.#programs.set(p.id, structuredClone({ ...p, costs: p.costs.map((c) => ({ ...c })) }));
    for (const p of seed.programs)
      for (const c of p.costs) this.#nextCostId = Math.max(this.#nextCostId, c.id + 1);
    this.#companies.clear();
    this.#companyByValue.clear();
    for (const c of seed.companies) {
      this.#companies.set(c.id, structuredClone(c));
      this.#nextCompanyId = Math.max(this.#nextCompanyId, c.id + 1);
      if (c.externalKey && !this.#companyByValue.has(c.externalKey.value))
        this.#companyByValue.set(c.externalKey.value, c.id);
      if (c.externalKey)
        this.#byExternalKey.set(`Company|${c.externalKey.name}=${c.externalKey.value}`, c.id);
    }
    this.#tagValues = structuredClone(seed.tags);
    this.nativeCrmSync = seed.nativeCrmSync;
  }

  clearObjects(): void {
    this.#objects.Opportunity.clear();
    this.#objects.OpportunityPersonRole.clear();
    for (const key of [...this.#byExternalKey.keys()])
      if (!key.startsWith('Company|')) this.#byExternalKey.delete(key);
    this.#byGuid.clear();
    this.#nextObjectId = 2_000_001;
  }

  /** REST: a program by id. */
  program(id: number): EmulatedProgram | undefined {
    return this.#programs.get(id);
  }

  /** REST: whether a tag type exists and has this value among its allowed ones. */
  tagCheck(type: string, value: string): 'ok' | 'no-type' | 'no-value' {
    const allowed = this.#tagValues[type];
    if (!allowed) return 'no-type';
    return allowed.includes(value) ? 'ok' : 'no-value';
  }

  /** REST: an id for a new program cost. */
  newCostId(): number {
    return this.#nextCostId++;
  }

  /** REST: an Opportunity or role by its marketoGUID. */
  byGuid(type: 'Opportunity' | 'OpportunityPersonRole', guid: string): EmulatedObject | undefined {
    const object = this.#byGuid.get(guid);
    return object?.type === type ? object : undefined;
  }

  /** REST: an object by its external key. */
  byExternalKey(type: 'Opportunity' | 'OpportunityPersonRole', key: Attrib): EmulatedObject | undefined {
    const id = this.#byExternalKey.get(`${type}|${key.name}=${key.value}`);
    return id === undefined ? undefined : this.#objects[type].get(id);
  }

  /**
   * REST: the company whose external key has this value (any key name: seeded companies name theirs
   * as the CRM does), for `externalCompanyId`.
   */
  companyByExternalValue(value: string): EmulatedCompany | undefined {
    const id = this.#companyByValue.get(value);
    return id === undefined ? undefined : this.#companies.get(id);
  }

  /** REST: a company by its integer id. */
  company(id: number): EmulatedCompany | undefined {
    return this.#companies.get(id);
  }

  /** REST (Sync Companies): a new company named by `externalCompanyId`, with its fields by REST name. */
  createCompany(externalCompanyId: string, attributes: Record<string, string>): EmulatedCompany {
    const now = new Date().toISOString();
    const id = this.#nextCompanyId++;
    const company: EmulatedCompany = {
      id,
      name: attributes.company ?? '',
      externalKey: { name: 'externalCompanyId', value: externalCompanyId },
      attributes: { ...attributes },
      createdAt: now,
      updatedAt: now,
    };
    this.#companies.set(id, company);
    this.#companyByValue.set(externalCompanyId, id);
    return company;
  }

  /** REST: the roles matching a predicate (roles are few; a scan is enough). */
  findRoles(match: (role: EmulatedObject) => boolean): EmulatedObject[] {
    return [...this.#objects.OpportunityPersonRole.values()].filter(match);
  }

  /** REST: the Opportunity with this internal id. */
  opportunity(id: number): EmulatedObject | undefined {
    return this.#objects.Opportunity.get(id);
  }

  /** REST: creates an object; the caller has checked everything. */
  createObject(
    type: 'Opportunity' | 'OpportunityPersonRole',
    attributes: Record<string, string>,
    associations: Record<string, number>,
    externalKey?: Attrib,
  ): EmulatedObject {
    const now = new Date().toISOString();
    const created: EmulatedObject = {
      id: this.#nextObjectId++,
      marketoGUID: randomUUID(),
      type,
      attributes,
      associations,
      createdAt: now,
      updatedAt: now,
    };
    if (externalKey) {
      created.externalKey = externalKey;
      this.#byExternalKey.set(`${type}|${externalKey.name}=${externalKey.value}`, created.id);
    }
    this.#objects[type].set(created.id, created);
    this.#byGuid.set(created.marketoGUID, created);
    return created;
  }

  /** Everything of a type, for `GET /_emulator/mobjects?type=T`. */
  list(type: string): unknown[] | undefined {
    if (type === 'Program') return [...this.#programs.values()];
    if (type === 'Company') return [...this.#companies.values()];
    if (type === 'Opportunity' || type === 'OpportunityPersonRole') return [...this.#objects[type].values()];
    return undefined;
  }

  /** Applies one syncMObjects call: one status per object, in order. */
  sync(
    objects: readonly ReceivedMObject[],
    operation: SyncOperation,
    injectedFailures: ReadonlyMap<number, string>,
  ): MObjSyncResult[] {
    return objects.map((object, index) => {
      const injected = injectedFailures.get(index);
      const base: MObjSyncResult = { id: object.id ?? 0, status: 'FAILED' };
      if (object.externalKey) base.externalKey = object.externalKey;
      if (injected !== undefined) return { ...base, error: injected };
      try {
        return { ...base, ...this.#syncOne(object, operation) };
      } catch (error) {
        if (error instanceof ObjectFailure) return { ...base, error: recordError(error.code, error.message) };
        throw error;
      }
    });
  }

  #syncOne(object: ReceivedMObject, operation: SyncOperation): Pick<MObjSyncResult, 'id' | 'status'> {
    if (object.id !== undefined && Number.isNaN(object.id))
      throw new ObjectFailure(20110, 'id is not an integer');
    switch (object.type) {
      case 'Program':
        return this.#syncProgram(object, operation);
      case 'Opportunity':
      case 'OpportunityPersonRole':
        return this.#syncObject(object, object.type, operation);
      default:
        throw new ObjectFailure(20110, `Unsupported MObject type: ${object.type || '(empty)'}`);
    }
  }

  #syncProgram(object: ReceivedMObject, operation: SyncOperation): Pick<MObjSyncResult, 'id' | 'status'> {
    if (operation !== 'UPDATE')
      throw new ObjectFailure(20110, `Program supports UPDATE only, not ${operation}`);
    if (object.id === undefined) throw new ObjectFailure(20109, 'Program id is required');
    const program = this.#programs.get(object.id);
    if (!program) return { id: object.id, status: 'SKIPPED' };
    // Check every entry before changing anything, so an object either applies whole or not at all.
    const costs: ProgramCost[] = [];
    const tags: [string, string][] = [];
    for (const entry of object.typeAttributes) {
      const a = attribMap(entry.attributes);
      if (entry.attrType === 'Cost') {
        const month = a.get('Month');
        const amountText = a.get('Amount');
        if (month === undefined || amountText === undefined)
          throw new ObjectFailure(20109, 'Cost needs Month and Amount');
        if (!MONTH.test(month)) throw new ObjectFailure(20110, `Cost Month must be YYYY-MM, got ${month}`);
        const amount = Number(amountText);
        if (amountText.trim() === '' || !Number.isFinite(amount))
          throw new ObjectFailure(20110, `Cost Amount is not a number: ${amountText}`);
        const idText = a.get('Id');
        const id = idText === undefined ? 0 : Number(idText);
        if (idText !== undefined && (!Number.isInteger(id) || !program.costs.some((c) => c.id === id))) {
          throw new ObjectFailure(20110, `Cost Id ${idText} not found on program ${program.id}`);
        }
        const cost: ProgramCost = { id, month, amount };
        const note = a.get('Note');
        if (note !== undefined) cost.note = note;
        costs.push(cost);
      } else if (entry.attrType === 'Tag') {
        const type = a.get('Type');
        const value = a.get('Value');
        if (type === undefined || value === undefined)
          throw new ObjectFailure(20109, 'Tag needs Type and Value');
        const allowed = this.#tagValues[type];
        if (!allowed) throw new ObjectFailure(20110, `Tag type ${type} does not exist`);
        if (!allowed.includes(value))
          throw new ObjectFailure(20110, `Tag value ${value} does not exist for type ${type}`);
        tags.push([type, value]);
      } else {
        throw new ObjectFailure(20110, `Unsupported typeAttrib attrType: ${entry.attrType}`);
      }
    }
    let changed = false;
    for (const cost of costs) {
      if (cost.id === 0) {
        program.costs.push({ ...cost, id: this.#nextCostId++ });
        changed = true;
      } else {
        const existing = program.costs.find((c) => c.id === cost.id)!;
        if (existing.month !== cost.month || existing.amount !== cost.amount || existing.note !== cost.note) {
          Object.assign(existing, cost);
          changed = true;
        }
      }
    }
    for (const [type, value] of tags) {
      if (program.tags[type] !== value) {
        program.tags[type] = value;
        changed = true;
      }
    }
    return { id: program.id, status: changed ? 'UPDATED' : 'UNCHANGED' };
  }

  #syncObject(
    object: ReceivedMObject,
    type: 'Opportunity' | 'OpportunityPersonRole',
    operation: SyncOperation,
  ): Pick<MObjSyncResult, 'id' | 'status'> {
    const fields = type === 'Opportunity' ? OPPORTUNITY_FIELDS : OPPORTUNITY_ROLE_FIELDS;
    const unknown = object.attributes.filter((a) => !fields.includes(a.name)).map((a) => a.name);
    if (unknown.length > 0)
      throw new ObjectFailure(20110, `Unknown ${type} attribute: ${unknown.join(', ')}`);
    if (object.typeAttributes.length > 0) throw new ObjectFailure(20110, `${type} takes no typeAttribList`);
    if (operation !== 'INSERT' && object.id === undefined && object.externalKey === undefined) {
      throw new ObjectFailure(20109, `${operation} needs an id or externalKey`);
    }
    const existing = this.#find(type, object);
    if (existing && operation === 'INSERT') return { id: existing.id, status: 'SKIPPED' };
    if (!existing && operation === 'UPDATE') return { id: object.id ?? 0, status: 'SKIPPED' };
    if (!existing && object.id !== undefined) {
      // Marketo assigns ids; an id that names nothing cannot be created under.
      throw new ObjectFailure(20110, `${type} ${object.id} not found`);
    }

    const attributes = { ...(existing?.attributes ?? {}) };
    for (const a of object.attributes) attributes[a.name] = a.value;
    const associations = { ...(existing?.associations ?? {}) };
    for (const association of object.associations) {
      associations[association.mObjType] = this.#resolveAssociation(type, association);
    }
    if (type === 'OpportunityPersonRole') this.#checkRole(attributes, associations);

    const now = new Date().toISOString();
    if (existing) {
      const same =
        JSON.stringify(existing.attributes) === JSON.stringify(attributes) &&
        JSON.stringify(existing.associations) === JSON.stringify(associations);
      if (same) return { id: existing.id, status: 'UNCHANGED' };
      existing.attributes = attributes;
      existing.associations = associations;
      existing.updatedAt = now;
      return { id: existing.id, status: 'UPDATED' };
    }
    const created = this.createObject(type, attributes, associations, object.externalKey);
    return { id: created.id, status: 'CREATED' };
  }

  #find(type: 'Opportunity' | 'OpportunityPersonRole', object: ReceivedMObject): EmulatedObject | undefined {
    if (object.id !== undefined) return this.#objects[type].get(object.id);
    if (object.externalKey) {
      const id = this.#byExternalKey.get(`${type}|${object.externalKey.name}=${object.externalKey.value}`);
      return id === undefined ? undefined : this.#objects[type].get(id);
    }
    return undefined;
  }

  #resolveAssociation(type: string, association: ReceivedMObject['associations'][number]): number {
    const allowed = type === 'Opportunity' ? ['Company'] : ['Lead', 'Opportunity'];
    if (!allowed.includes(association.mObjType)) {
      throw new ObjectFailure(20110, `${type} cannot be associated with ${association.mObjType}`);
    }
    const key = association.externalKey;
    let id = association.id;
    if (id === undefined && key)
      id = this.#byExternalKey.get(`${association.mObjType}|${key.name}=${key.value}`);
    const exists =
      id !== undefined &&
      (association.mObjType === 'Company'
        ? this.#companies.has(id)
        : association.mObjType === 'Lead'
          ? this.leads.get(id) !== undefined
          : this.#objects.Opportunity.has(id));
    if (!exists) {
      const what =
        association.id !== undefined ? `id ${association.id}` : key ? `${key.name}=${key.value}` : 'no key';
      throw new ObjectFailure(20110, `Associated ${association.mObjType} not found (${what})`);
    }
    return id!;
  }

  /** A role's OpportunityId and PersonId, from attributes or associations, must name existing objects. */
  #checkRole(attributes: Record<string, string>, associations: Record<string, number>): void {
    const opportunityId =
      attributes.OpportunityId ??
      (associations.Opportunity !== undefined ? String(associations.Opportunity) : undefined);
    const personId =
      attributes.PersonId ?? (associations.Lead !== undefined ? String(associations.Lead) : undefined);
    if (opportunityId === undefined || personId === undefined) {
      throw new ObjectFailure(20109, 'OpportunityPersonRole needs OpportunityId and PersonId');
    }
    if (!this.#objects.Opportunity.has(Number(opportunityId)))
      throw new ObjectFailure(20110, `Opportunity ${opportunityId} not found`);
    if (this.leads.get(Number(personId)) === undefined)
      throw new ObjectFailure(20110, `Person (lead) ${personId} not found`);
    attributes.OpportunityId = opportunityId;
    attributes.PersonId = personId;
  }
}
