import {
  isTransportKind,
  TRANSPORT_KIND_CHOICES,
  type TransportKind,
} from '../vocabulary/transport-kinds.js';
import { ConfigError, type Env } from './config-error.js';

/**
 * `MARKETO_TRANSPORT` (soap or rest); when unset, the one whose endpoint is set (SOAP when neither is).
 * Both endpoints set without `MARKETO_TRANSPORT` is ambiguous and an error naming both.
 */
export function readTransportKind(env: Env): TransportKind {
  const chosen = env.MARKETO_TRANSPORT?.trim();
  const soap = Boolean(env.MARKETO_SOAP_ENDPOINT?.trim());
  const rest = Boolean(env.MARKETO_REST_ENDPOINT?.trim());
  if (chosen) {
    if (!isTransportKind(chosen))
      throw new ConfigError(
        `MARKETO_TRANSPORT must be ${TRANSPORT_KIND_CHOICES}, got ${JSON.stringify(chosen.slice(0, 20))}`,
      );
    return chosen;
  }
  if (soap && rest)
    throw new ConfigError(
      'MARKETO_SOAP_ENDPOINT and MARKETO_REST_ENDPOINT are both set: set MARKETO_TRANSPORT=soap or rest, or unset one of them',
    );
  return rest ? 'rest' : 'soap';
}

/**
 * What producers (`mktsync ingest`, `mktsync enqueue`) must know of the workers' transport to refuse at
 * intake what it cannot express: `MARKETO_TRANSPORT` and `MARKETO_REST_FOREIGN_ID_FIELD`.
 */
export function readIntakeSettings(env: Env): {
  transport: TransportKind;
  restForeignIdField?: string;
} {
  const transport = readTransportKind(env);
  const field = env.MARKETO_REST_FOREIGN_ID_FIELD?.trim();
  return { transport, ...(transport === 'rest' && field ? { restForeignIdField: field } : {}) };
}
