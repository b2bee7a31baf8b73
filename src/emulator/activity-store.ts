import { randomUUID } from 'node:crypto';
import type { ActivityType } from './activity-types.js';

/**
 * The custom activity log of the emulated instance: every activity Add Custom Activities logged, in the
 * order it was logged, and the activity types it knows. Activities are write-once, as in Marketo.
 */

/** One logged activity, as Get Lead Activities returns it. */
export interface LoggedActivity {
  id: number;
  marketoGUID: string;
  leadId: number;
  /** ISO 8601 in UTC, to the second (`2026-12-07T06:56:35Z`). */
  activityDate: string;
  /** `activityDate` as epoch ms, for the paging order. */
  at: number;
  activityTypeId: number;
  primaryAttributeValue: string;
  attributes: { name: string; apiName: string; value: string }[];
}

export class ActivityStore {
  #types: ActivityType[] = [];
  #log: LoggedActivity[] = [];
  #nextId = 5_000_001;

  /** Replaces the known types (a seed loaded at start or at run time). The log is kept. */
  loadTypes(types: readonly ActivityType[]): void {
    this.#types = types.map((t) => ({ ...t, attributes: [...t.attributes] }));
  }

  types(): readonly ActivityType[] {
    return this.#types;
  }

  type(id: number): ActivityType | undefined {
    return this.#types.find((t) => t.id === id);
  }

  /** Logs one activity; returns it. */
  add(activity: Omit<LoggedActivity, 'id' | 'marketoGUID'>): LoggedActivity {
    const id = this.#nextId++;
    // Marketo's marketoGUID is text ("may be a 128 character string"); a UUID stands for it.
    const logged: LoggedActivity = { id, marketoGUID: `${id}-${randomUUID()}`, ...activity };
    this.#log.push(logged);
    return logged;
  }

  /** Every activity logged, oldest first. */
  all(): readonly LoggedActivity[] {
    return this.#log;
  }

  get size(): number {
    return this.#log.length;
  }

  clear(): void {
    this.#log = [];
    this.#nextId = 5_000_001;
  }
}
