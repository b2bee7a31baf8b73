import { assertNever } from '../vocabulary/assert-never.js';
import { validateLeads, validateMObjects, type IntakeRules, type ValidatedChanges } from './changes.js';
import { validateMemberships } from './member-changes.js';
import { validateActivities } from './activity-change.js';

/**
 * The kinds of change intake takes, each with its change format: by HTTP route (`POST /v1/<kind>`),
 * file kind (`mktsync enqueue --<kind> FILE`), metrics label and validator.
 */
export const CHANGE_KINDS = ['leads', 'mobjects', 'memberships', 'activities'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export type Validate = (
  inputs: readonly unknown[],
  at: (i: number) => number,
  rules: IntakeRules,
) => ValidatedChanges;

/** The validator of `kind`'s change format. */
export function validatorOf(kind: ChangeKind): Validate {
  switch (kind) {
    case 'leads':
      return validateLeads;
    case 'mobjects':
      return validateMObjects;
    case 'memberships':
      return validateMemberships;
    case 'activities':
      return validateActivities;
    default:
      return assertNever(kind, 'change kind');
  }
}

/** The kind an ingest path (`/v1/leads`) names, or undefined. */
export function changeKindOfPath(path: string): ChangeKind | undefined {
  return CHANGE_KINDS.find((kind) => path === `/v1/${kind}`);
}
