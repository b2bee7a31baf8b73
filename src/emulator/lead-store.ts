import type { LeadSyncResult } from '../soap/types.js';
import { FOREIGN_SYS_TYPES } from '../soap/types.js';
import type { EmulatorConfig } from './config.js';
import { EmulatorFault, recordError } from './fault.js';
import type { ReceivedLead } from './request-reader.js';

/** A lead as the emulated instance holds it. */
export interface EmulatedLead {
  id: number;
  Email?: string;
  ForeignSysPersonId?: string;
  ForeignSysType?: string;
  /** Every attribute ever set, by API name (Email included when it was set as an attribute). */
  attributes: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** What the lead store needs to decide per call. */
export interface LeadSyncContext {
  dedupEnabled: boolean;
  config: EmulatorConfig;
  knownFields: ReadonlySet<string>;
  /** Per-record failure imposed by a fault-injection rule, by record index. */
  injectedFailures: ReadonlyMap<number, string>;
}

/**
 * The leads of the emulated instance with Marketo's matching rules: Id over ForeignSysPersonId over
 * Email, email compared case-insensitively, the most recently created lead winning among duplicates.
 */
export class LeadStore {
  readonly #byId = new Map<number, EmulatedLead>();
  readonly #byForeign = new Map<string, number>();
  readonly #byEmail = new Map<string, number[]>();
  /** REST lookups by another field: value → lead ids, built on the first lookup by that field. */
  readonly #byField = new Map<string, Map<string, Set<number>>>();
  #nextId = 1_000_001;

  get size(): number {
    return this.#byId.size;
  }

  all(): EmulatedLead[] {
    return [...this.#byId.values()];
  }

  get(id: number): EmulatedLead | undefined {
    return this.#byId.get(id);
  }

  clear(): void {
    this.#byId.clear();
    this.#byForeign.clear();
    this.#byEmail.clear();
    this.#byField.clear();
    this.#nextId = 1_000_001;
  }

  /**
   * REST: the leads whose field (SOAP name) has this value, oldest first; `Email` compared
   * case-insensitively, `Id` as a number.
   */
  findBy(field: string, value: string): EmulatedLead[] {
    if (field === 'Id') {
      const lead = /^\d+$/.test(value) ? this.#byId.get(Number(value)) : undefined;
      return lead ? [lead] : [];
    }
    if (field === 'Email')
      return (this.#byEmail.get(value.toLowerCase()) ?? []).map((id) => this.#byId.get(id)!);
    let index = this.#byField.get(field);
    if (!index) {
      index = new Map();
      for (const lead of this.#byId.values()) {
        const v = lead.attributes[field];
        if (v !== undefined) index.set(v, (index.get(v) ?? new Set()).add(lead.id));
      }
      this.#byField.set(field, index);
    }
    return [...(index.get(value) ?? [])].sort((a, b) => a - b).map((id) => this.#byId.get(id)!);
  }

  /** REST: creates a lead with these attributes (SOAP names). */
  create(attributes: Readonly<Record<string, string | null>>): EmulatedLead {
    const now = new Date().toISOString();
    const lead: EmulatedLead = { id: this.#nextId++, attributes: {}, createdAt: now, updatedAt: now };
    this.#byId.set(lead.id, lead);
    for (const [name, value] of Object.entries(attributes)) this.#setAttribute(lead, name, value);
    return lead;
  }

  /** REST: writes attributes (SOAP names); `null` clears one. */
  update(lead: EmulatedLead, attributes: Readonly<Record<string, string | null>>): void {
    for (const [name, value] of Object.entries(attributes)) this.#setAttribute(lead, name, value);
    lead.updatedAt = new Date().toISOString();
  }

  /** Applies one syncMultipleLeads call; throws {@link EmulatorFault} for whole-call faults before changing anything. */
  sync(records: readonly ReceivedLead[], context: LeadSyncContext): LeadSyncResult[] {
    const unknownByRecord = records.map((r) =>
      r.attributes.filter((a) => !context.knownFields.has(a.name)).map((a) => a.name),
    );
    if (context.config.unknownAttribute === 'fault') {
      const unknown = [...new Set(unknownByRecord.flat())];
      if (unknown.length > 0)
        throw new EmulatorFault(20105, `unknown fields for import: ${unknown.join(', ')}`);
    }
    if (context.config.unknownElements === 'fault') {
      const unknown = [...new Set(records.flatMap((r) => r.unknownElements))];
      if (unknown.length > 0)
        throw new EmulatorFault(
          20012,
          `Request not understood: unexpected element ${unknown.join(', ')} in leadRecord`,
        );
    }
    const seenInCall = new Set<string>();
    return records.map((record, index) => {
      const injected = context.injectedFailures.get(index);
      if (injected !== undefined) return { leadId: 0, status: 'FAILED', error: injected };
      const unknown = unknownByRecord[index]!;
      if (unknown.length > 0) {
        return {
          leadId: 0,
          status: 'FAILED',
          error: recordError(20105, `unknown fields for import: ${unknown.join(', ')}`),
        };
      }
      return this.#syncOne(record, context, seenInCall);
    });
  }

  #syncOne(record: ReceivedLead, context: LeadSyncContext, seenInCall: Set<string>): LeadSyncResult {
    const failed = (code: number, text: string): LeadSyncResult => ({
      leadId: 0,
      status: 'FAILED',
      error: recordError(code, text),
    });
    if (record.Id === undefined && record.Email === undefined && record.ForeignSysPersonId === undefined) {
      return failed(20101, 'Lead key required: one of Id, Email, ForeignSysPersonId');
    }
    if (record.Id !== undefined && Number.isNaN(record.Id))
      return failed(20102, 'Lead key bad: Id is not an integer');
    if (record.ForeignSysPersonId !== undefined) {
      if (record.ForeignSysType === undefined)
        return failed(20109, 'ForeignSysType is required with ForeignSysPersonId');
      if (!FOREIGN_SYS_TYPES.includes(record.ForeignSysType as never)) {
        return failed(20110, `Bad parameter: ForeignSysType ${record.ForeignSysType}`);
      }
    }
    const foreignKey =
      record.ForeignSysPersonId !== undefined
        ? `${record.ForeignSysType}:${record.ForeignSysPersonId}`
        : undefined;
    const emailKey = record.Email?.toLowerCase();

    let lead: EmulatedLead | undefined;
    if (record.Id !== undefined) {
      lead = this.#byId.get(record.Id);
      if (!lead) return failed(20103, `Lead not found: Id ${record.Id}`);
    } else {
      const duplicateMode =
        context.config.duplicateKeys === 'duplicate' &&
        seenInCall.has(foreignKey ?? `email:${emailKey ?? ''}`);
      if (!duplicateMode) {
        if (foreignKey !== undefined) lead = this.#byIdOf(this.#byForeign.get(foreignKey));
        if (!lead && emailKey !== undefined && context.dedupEnabled) lead = this.#latestByEmail(emailKey);
      }
    }
    seenInCall.add(foreignKey ?? `email:${emailKey ?? ''}`);

    const now = new Date().toISOString();
    if (!lead) {
      lead = { id: this.#nextId++, attributes: {}, createdAt: now, updatedAt: now };
      this.#byId.set(lead.id, lead);
      if (record.Email !== undefined) this.#setEmail(lead, record.Email);
      this.#apply(lead, record, foreignKey);
      return { leadId: lead.id, status: 'CREATED' };
    }
    this.#apply(lead, record, foreignKey);
    lead.updatedAt = now;
    return { leadId: lead.id, status: 'UPDATED' };
  }

  /** Sets the lower-precedence keys and attributes; Email changes only through the attribute list. */
  #apply(lead: EmulatedLead, record: ReceivedLead, foreignKey: string | undefined): void {
    if (foreignKey !== undefined && record.ForeignSysPersonId !== undefined) {
      if (lead.ForeignSysPersonId !== undefined)
        this.#byForeign.delete(`${lead.ForeignSysType}:${lead.ForeignSysPersonId}`);
      lead.ForeignSysPersonId = record.ForeignSysPersonId;
      lead.ForeignSysType = record.ForeignSysType;
      this.#byForeign.set(foreignKey, lead.id);
    }
    for (const attribute of record.attributes) this.#setAttribute(lead, attribute.name, attribute.value);
  }

  #setAttribute(lead: EmulatedLead, name: string, value: string | null): void {
    const index = this.#byField.get(name);
    const old = lead.attributes[name];
    if (index && old !== undefined) index.get(old)?.delete(lead.id);
    if (value === null) {
      Reflect.deleteProperty(lead.attributes, name);
      if (name === 'Email') this.#setEmail(lead, undefined);
      return;
    }
    lead.attributes[name] = value;
    if (index) index.set(value, (index.get(value) ?? new Set()).add(lead.id));
    if (name === 'Email') this.#setEmail(lead, value);
  }

  #setEmail(lead: EmulatedLead, email: string | undefined): void {
    if (lead.Email !== undefined) {
      const key = lead.Email.toLowerCase();
      const ids = this.#byEmail.get(key)?.filter((id) => id !== lead.id) ?? [];
      if (ids.length > 0) this.#byEmail.set(key, ids);
      else this.#byEmail.delete(key);
    }
    if (email === undefined) {
      delete lead.Email;
      return;
    }
    lead.Email = email;
    const key = email.toLowerCase();
    const ids = this.#byEmail.get(key) ?? [];
    // Kept in creation order (ids grow), so the last one is the most recently created.
    ids.push(lead.id);
    ids.sort((a, b) => a - b);
    this.#byEmail.set(key, ids);
  }

  #latestByEmail(emailKey: string): EmulatedLead | undefined {
    const ids = this.#byEmail.get(emailKey);
    return ids && ids.length > 0 ? this.#byId.get(ids[ids.length - 1]!) : undefined;
  }

  #byIdOf(id: number | undefined): EmulatedLead | undefined {
    return id === undefined ? undefined : this.#byId.get(id);
  }
}
