import type { StoredMembership } from '../buffer/types.js';
import type { ListMembershipGroup, RecordResult } from '../transport/contract.js';
import { MEMBER_KIND_NAMES } from '../vocabulary/member-groups.js';
import type { RestCalls } from './rest-calls.js';

/**
 * Sends one call's records of a `ListMembershipGroup`. Not built yet: every record fails, unsent, saying so.
 */
export function sendListMembers(
  _calls: RestCalls,
  group: ListMembershipGroup,
  records: readonly StoredMembership[],
  _signal?: AbortSignal,
): Promise<RecordResult[]> {
  const message = `${MEMBER_KIND_NAMES[group.kind]} are not sent by this build yet`;
  return Promise.resolve(
    records.map(() => ({
      status: 'FAILED' as const,
      id: null,
      code: null,
      category: 'invalid-record' as const,
      message,
    })),
  );
}
