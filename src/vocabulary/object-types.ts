import type { ObjectOperation } from './object-operations.js';
import { TRANSPORT_KINDS, type TransportKind } from './transport-kinds.js';

/** The Marketo object types mktsync syncs besides leads. */
export const OBJECT_TYPES = ['Program', 'Opportunity', 'OpportunityPersonRole', 'Company'] as const;
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
  Company: ['INSERT', 'UPDATE', 'UPSERT'],
};

/**
 * The transports that carry each object type. A `Record` over {@link ObjectType} like
 * {@link OBJECT_TYPE_OPERATIONS}: a new type says where it exists. The SOAP API has no Company
 * (Sync Companies is a REST endpoint only), so intake refuses a Company change when the workers speak
 * SOAP, and a SOAP worker settles any that reach it FAILED with {@link transportProblem}'s reason.
 */
export const OBJECT_TYPE_TRANSPORTS: Readonly<Record<ObjectType, readonly TransportKind[]>> = {
  Program: TRANSPORT_KINDS,
  Opportunity: TRANSPORT_KINDS,
  OpportunityPersonRole: TRANSPORT_KINDS,
  Company: ['rest'],
};

/** Why `transport` cannot carry `type` (for the field `type`), or undefined when it can. */
export function transportProblem(type: ObjectType, transport: TransportKind): string | undefined {
  const carried = OBJECT_TYPE_TRANSPORTS[type];
  if (carried.includes(transport)) return undefined;
  return `${type} does not exist over ${transport.toUpperCase()}: Marketo offers it over ${carried
    .map((t) => t.toUpperCase())
    .join(' or ')} only (set MARKETO_TRANSPORT=${carried[0]} for the workers and intake)`;
}

/** Why intake refuses `operation` on `type` (the message names no field: the caller adds `operation`). */
export function operationProblem(type: ObjectType, operation: ObjectOperation): string | undefined {
  const allowed = OBJECT_TYPE_OPERATIONS[type];
  if (allowed.includes(operation)) return undefined;
  return `${type} takes ${allowed.join(' or ')} only`;
}
