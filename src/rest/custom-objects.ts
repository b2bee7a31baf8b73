import type { StoredCustomObject } from '../buffer/types.js';
import type { CustomObjectGroup, RecordResult } from '../transport/contract.js';
import { MEMBER_KIND_NAMES } from '../vocabulary/member-groups.js';
import type { RestCalls } from './rest-calls.js';

/**
 * Sends one call's records of a `CustomObjectGroup`. Not built yet: every record fails, unsent, saying so.
 */
export function sendCustomObjects(
  _calls: RestCalls,
  group: CustomObjectGroup,
  records: readonly StoredCustomObject[],
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
