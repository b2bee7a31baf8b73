import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { REST_WIRE } from './rest-wire.js';
import { SOAP_WIRE } from './soap-wire.js';
import type { Wire } from './wire.js';

/**
 * Every way to Marketo, one line each: the worker's transport factory, `mktsync send` and the demo take
 * their transport from here. A kind added to the vocabulary without a line here does not compile.
 */
export const WIRES: Readonly<Record<TransportKind, Wire>> = Object.freeze({
  soap: SOAP_WIRE,
  rest: REST_WIRE,
});

/** The entry of `kind`. */
export function wireOf(kind: TransportKind): Wire {
  return WIRES[kind];
}

export type { Admission, BuiltTransport, EmulatorTarget, SendTarget, Wire } from './wire.js';
