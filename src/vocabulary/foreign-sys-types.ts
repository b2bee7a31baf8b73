/**
 * The systems a lead's `ForeignSysPersonId` may belong to (Marketo's `ForeignSysType`): part of a
 * lead's key, so intake, the buffer's record shape, both wires and the console's search read this list.
 */
export const FOREIGN_SYS_TYPES = ['CUSTOM', 'SFDC', 'NETSUITE'] as const;
/** The system a `ForeignSysPersonId` belongs to. */
export type ForeignSysType = (typeof FOREIGN_SYS_TYPES)[number];
