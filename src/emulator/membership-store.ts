import type { Seed } from './seed.js';

/**
 * Static lists and their members, channels with their progression steps, and program members with
 * their status, of the emulated instance. Programs themselves live in the object store; a program's
 * channel is its `Channel` tag.
 */

export interface EmulatedList {
  id: number;
  name: string;
  /** Lead ids, in the order they joined. */
  members: Set<number>;
}

export interface ProgressionStatus {
  name: string;
  step: number;
  success: boolean;
  hidden: boolean;
}

export interface EmulatedChannel {
  id: number;
  name: string;
  progressionStatuses: ProgressionStatus[];
}

/** A program member: its status by name (its step is read from the program's channel). */
export interface ProgramMember {
  leadId: number;
  status: string;
  /** When it became a member / last changed (ISO). */
  createdAt: string;
  updatedAt: string;
}

export class MembershipStore {
  readonly #lists = new Map<number, EmulatedList>();
  readonly #channels = new Map<string, EmulatedChannel>();
  /** Program id → lead id → member. */
  readonly #members = new Map<number, Map<number, ProgramMember>>();

  /**
   * Replaces lists and channels with `seed`'s. Members of a list still in the seed stay (a seed set at
   * run time does not empty the lists); program members stay.
   */
  loadSeed(seed: Seed): void {
    const before = new Map(this.#lists);
    this.#lists.clear();
    for (const list of seed.lists)
      this.#lists.set(list.id, {
        id: list.id,
        name: list.name,
        members: before.get(list.id)?.members ?? new Set(),
      });
    this.#channels.clear();
    seed.channels.forEach((channel, i) =>
      this.#channels.set(channel.name, {
        id: i + 1,
        name: channel.name,
        progressionStatuses: channel.progressionStatuses.map((s) => ({ ...s })),
      }),
    );
  }

  /** Forgets every list member and program member (lists and channels stay). */
  clearMembers(): void {
    for (const list of this.#lists.values()) list.members.clear();
    this.#members.clear();
  }

  list(id: number): EmulatedList | undefined {
    return this.#lists.get(id);
  }

  channel(name: string): EmulatedChannel | undefined {
    return this.#channels.get(name);
  }

  channels(): EmulatedChannel[] {
    return [...this.#channels.values()];
  }

  /** The members of program `programId` (created on first use). */
  programMembers(programId: number): Map<number, ProgramMember> {
    let members = this.#members.get(programId);
    if (!members) {
      members = new Map();
      this.#members.set(programId, members);
    }
    return members;
  }

  /** The state API's view: lists with their member ids, programs with their members' statuses. */
  view(): {
    lists: { id: number; name: string; members: number[] }[];
    programs: { id: number; members: ProgramMember[] }[];
  } {
    return {
      lists: [...this.#lists.values()].map((l) => ({ id: l.id, name: l.name, members: [...l.members] })),
      programs: [...this.#members.entries()]
        .filter(([, members]) => members.size > 0)
        .map(([id, members]) => ({ id, members: [...members.values()].map((m) => ({ ...m })) })),
    };
  }
}
