import { z } from 'zod';
import { ConfigError, type Env } from './config-error.js';

/** How to reach Marketo (or an emulator standing in for it). */
export interface MarketoSettings {
  /** `MARKETO_SOAP_ENDPOINT`; undefined when not configured. */
  endpoint?: string;
  /** `MARKETO_USER_ID`. */
  userId?: string;
  /** `MARKETO_ENCRYPTION_KEY`: a secret, never printed. */
  encryptionKey?: string;
}

const endpointSchema = z
  .url({
    protocol: /^https?$/,
    message: 'must be an http(s) URL such as https://123-ABC-456.mktoapi.com/soap/mktows/2_3',
  })
  .optional();

/** Reads the Marketo settings; all three are optional here, {@link requireMarketo} insists. */
export function readMarketoSettings(env: Env): MarketoSettings {
  const endpoint = env.MARKETO_SOAP_ENDPOINT?.trim() || undefined;
  const parsed = endpointSchema.safeParse(endpoint);
  if (!parsed.success)
    throw new ConfigError(`MARKETO_SOAP_ENDPOINT ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  const settings: MarketoSettings = {};
  if (endpoint) settings.endpoint = endpoint;
  const userId = env.MARKETO_USER_ID?.trim();
  if (userId) settings.userId = userId;
  const key = env.MARKETO_ENCRYPTION_KEY;
  if (key) settings.encryptionKey = key;
  return Object.freeze(settings);
}

/** The Marketo settings with every part present, or a {@link ConfigError} naming what is missing. */
export function requireMarketo(settings: MarketoSettings): Required<MarketoSettings> {
  const missing = (
    [
      ['MARKETO_SOAP_ENDPOINT', settings.endpoint],
      ['MARKETO_USER_ID', settings.userId],
      ['MARKETO_ENCRYPTION_KEY', settings.encryptionKey],
    ] as const
  )
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. Set ${missing.length === 1 ? 'it' : 'them'} to your ` +
        `Marketo SOAP endpoint and credentials (or use REST: MARKETO_TRANSPORT=rest and its settings), or start an emulator with \`mktsync emulator\` and point them at it.`,
    );
  }
  return settings as Required<MarketoSettings>;
}
