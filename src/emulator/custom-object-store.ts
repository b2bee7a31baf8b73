import { randomUUID } from 'node:crypto';
import type { CustomObjectType } from './seed.js';

/**
 * The emulated instance's custom objects: the approved types (from the seed, replaceable at run time
 * through `PUT /_emulator/rest/customobjects/{apiName}`) and the records Sync Custom Objects wrote,
 * found by their dedupe fields or by their `marketoGUID`.
 */

/** A value as kept: what the JSON request carried (text, number, boolean) or null. */
export type CustomObjectValue = string | number | boolean | null;

/** One custom object record. */
export interface EmulatedCustomObject {
  marketoGUID: string;
  /** Its fields by API name, dedupe and link fields included. */
  fields: Record<string, CustomObjectValue>;
  createdAt: string;
  updatedAt: string;
}

/** At most this many types (Adobe: 10 by default, more for a fee). */
export const MAX_CUSTOM_OBJECT_TYPES = 50;

interface TypeRecords {
  byKey: Map<string, EmulatedCustomObject>;
  byGuid: Map<string, EmulatedCustomObject>;
}

export class CustomObjectStore {
  readonly #types = new Map<string, CustomObjectType>();
  readonly #records = new Map<string, TypeRecords>();

  /** Replaces the types with the seed's; records of a type that stays are kept. */
  loadTypes(types: readonly CustomObjectType[]): void {
    this.#types.clear();
    for (const type of types) this.setType(type);
  }

  /** Adds or replaces one type (its records are kept when its dedupe fields stay the same). */
  setType(type: CustomObjectType): void {
    const before = this.#types.get(type.apiName);
    if (!before && this.#types.size >= MAX_CUSTOM_OBJECT_TYPES)
      throw new RangeError(`at most ${MAX_CUSTOM_OBJECT_TYPES} custom object types`);
    this.#types.set(type.apiName, structuredClone(type));
    if (before && before.dedupeFields.join(',') !== type.dedupeFields.join(','))
      this.#records.delete(type.apiName);
  }

  type(apiName: string): CustomObjectType | undefined {
    return this.#types.get(apiName);
  }

  types(): CustomObjectType[] {
    return [...this.#types.values()];
  }

  /** Forgets every record (the types stay). */
  clearRecords(): void {
    this.#records.clear();
  }

  /** The dedupe key of `fields` under `type`: its dedupe field values in order. */
  static dedupeKey(type: CustomObjectType, fields: Record<string, unknown>): string {
    return JSON.stringify(type.dedupeFields.map((name) => fields[name]));
  }

  byKey(apiName: string, key: string): EmulatedCustomObject | undefined {
    return this.#records.get(apiName)?.byKey.get(key);
  }

  byGuid(apiName: string, guid: string): EmulatedCustomObject | undefined {
    return this.#records.get(apiName)?.byGuid.get(guid);
  }

  /** Creates a record; the caller has checked it. */
  create(type: CustomObjectType, fields: Record<string, CustomObjectValue>): EmulatedCustomObject {
    const now = new Date().toISOString();
    const record: EmulatedCustomObject = {
      marketoGUID: randomUUID(),
      fields,
      createdAt: now,
      updatedAt: now,
    };
    const records = this.#recordsOf(type.apiName);
    records.byKey.set(CustomObjectStore.dedupeKey(type, fields), record);
    records.byGuid.set(record.marketoGUID, record);
    return record;
  }

  /** Writes `fields` over a record (dedupe fields do not change: they are not updateable). */
  update(record: EmulatedCustomObject, fields: Record<string, CustomObjectValue>): void {
    record.fields = { ...record.fields, ...fields };
    record.updatedAt = new Date().toISOString();
  }

  delete(type: CustomObjectType, record: EmulatedCustomObject): void {
    const records = this.#recordsOf(type.apiName);
    records.byKey.delete(CustomObjectStore.dedupeKey(type, record.fields));
    records.byGuid.delete(record.marketoGUID);
  }

  /** The records of a type, for the state API. */
  list(apiName: string): EmulatedCustomObject[] {
    return [...(this.#records.get(apiName)?.byGuid.values() ?? [])];
  }

  count(apiName: string): number {
    return this.#records.get(apiName)?.byGuid.size ?? 0;
  }

  #recordsOf(apiName: string): TypeRecords {
    let records = this.#records.get(apiName);
    if (!records) {
      records = { byKey: new Map(), byGuid: new Map() };
      this.#records.set(apiName, records);
    }
    return records;
  }
}
