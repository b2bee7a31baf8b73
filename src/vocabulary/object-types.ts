import type { ObjectOperation } from './object-operations.js';

/** The Marketo object types mktsync syncs besides leads. */
export const OBJECT_TYPES = ['Program', 'Opportunity', 'OpportunityPersonRole'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** The object type `text` names, or undefined. */
export function parseObjectType(text: string): ObjectType | undefined {
  return OBJECT_TYPES.find((t) => t === text);
}

/**
 * The operations intake accepts per object type: the groups `O:<type>:<operation>` the transports
 * carry. A `Record` over {@link ObjectType}, so a type added to {@link OBJECT_TYPES} without its row
 * does not compile. Marketo updates a Program only (its cost and tag entries); it cannot create one
 * through either API mktsync speaks.
 */
export const OBJECT_TYPE_OPERATIONS: Readonly<Record<ObjectType, readonly ObjectOperation[]>> = {
  Program: ['UPDATE'],
  Opportunity: ['INSERT', 'UPDATE', 'UPSERT'],
  OpportunityPersonRole: ['INSERT', 'UPDATE', 'UPSERT'],
};

/** Why intake refuses `operation` on `type` (the message names no field: the caller adds `operation`). */
export function operationProblem(type: ObjectType, operation: ObjectOperation): string | undefined {
  const allowed = OBJECT_TYPE_OPERATIONS[type];
  if (allowed.includes(operation)) return undefined;
  return `${type} takes ${allowed.join(' or ')} only`;
}
