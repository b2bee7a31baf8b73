import type { StoredActivity } from '../buffer/types.js';
import type { ActivityGroup, RecordResult } from '../transport/contract.js';
import { MEMBER_KIND_NAMES } from '../vocabulary/member-groups.js';
import type { RestCalls } from './rest-calls.js';

/**
 * Sends one call's records of a `ActivityGroup`. Not built yet: every record fails, unsent, saying so.
 */
export function sendActivities(
  _calls: RestCalls,
  group: ActivityGroup,
  records: readonly StoredActivity[],
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
