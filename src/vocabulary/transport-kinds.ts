/**
 * The ways to Marketo: its SOAP API and its REST API. Everything that names a transport (settings,
 * the `transport` label of the metrics, the registry of transports, `mktsync send --transport`) takes
 * its values from this one list.
 */
export const TRANSPORT_KINDS = ['soap', 'rest'] as const;

/** One of {@link TRANSPORT_KINDS}: `soap` or `rest`. */
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

/** True when `value` is one of {@link TRANSPORT_KINDS}. */
export function isTransportKind(value: unknown): value is TransportKind {
  return (TRANSPORT_KINDS as readonly unknown[]).includes(value);
}

/** The accepted values, for messages: `soap or rest`. */
export const TRANSPORT_KIND_CHOICES = TRANSPORT_KINDS.join(' or ');

/**
 * `value` as a {@link TransportKind}, or a `TypeError` naming `name` (the variable or flag the value came
 * from), the accepted values and what was given (at most 20 characters of it).
 */
export function parseTransportKind(value: string, name: string): TransportKind {
  if (isTransportKind(value)) return value;
  throw new TypeError(`${name} must be ${TRANSPORT_KIND_CHOICES}, got ${JSON.stringify(value.slice(0, 20))}`);
}
