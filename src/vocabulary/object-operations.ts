/** INSERT creates only, UPDATE updates only, UPSERT does either: one operation per call. */
export const OBJECT_OPERATIONS = ['INSERT', 'UPDATE', 'UPSERT'] as const;
export type ObjectOperation = (typeof OBJECT_OPERATIONS)[number];

/** The operation `text` names, or undefined. */
export function parseObjectOperation(text: string): ObjectOperation | undefined {
  return OBJECT_OPERATIONS.find((o) => o === text);
}
