import { z } from 'zod';
import { ConfigError, type Env } from './config-error.js';

/** How to reach Marketo's REST API. */
export interface RestSettings {
  /** `MARKETO_REST_ENDPOINT` without a trailing `/rest`, e.g. `https://123-ABC-456.mktorest.com`. */
  endpoint: string;
  /** `MARKETO_IDENTITY_ENDPOINT` (default `<endpoint>/identity`). */
  identityEndpoint: string;
  /** `MARKETO_CLIENT_ID`. */
  clientId: string;
  /** `MARKETO_CLIENT_SECRET`: a secret; not enumerable, so it stays out of logs, JSON and inspection. */
  readonly clientSecret: string;
  /** `MARKETO_REST_FOREIGN_ID_FIELD`: the REST lead field holding ForeignSysPersonId (needed only for such leads). */
  foreignIdField?: string;
  /** `MARKETO_REST_PARTITION`: Sync Leads' partitionName, for instances with lead partitions. */
  partitionName?: string;
}

/**
 * Defaults that replace the worker's when the transport is REST, after Adobe's advice: stay well below
 * the instance's 100 calls per 20 s and 10 at once (other integrations share them), wait longer than
 * Sync Leads' 90 s server time, and lease a batch longer than that wait.
 */
export const REST_WORKER_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  MKTSYNC_RATE_LIMIT: '50',
  MKTSYNC_MAX_CONCURRENT: '5',
  MKTSYNC_RESPONSE_TIMEOUT_MS: '120000',
  MKTSYNC_LEASE_MS: '150000',
});

const restUrl = (example: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL such as ${example}` });

/** Reads the REST settings, or a {@link ConfigError} naming each missing or bad variable. */
export function readRestSettings(env: Env): RestSettings {
  const problems: string[] = [];
  const endpointText = env.MARKETO_REST_ENDPOINT?.trim();
  let endpoint = '';
  if (!endpointText)
    problems.push('MARKETO_REST_ENDPOINT is not set (e.g. https://123-ABC-456.mktorest.com)');
  else {
    const parsed = restUrl('https://123-ABC-456.mktorest.com').safeParse(endpointText);
    if (!parsed.success)
      problems.push(`MARKETO_REST_ENDPOINT ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    // Marketo's admin page shows the endpoint ending in /rest; paths are added after the base.
    else endpoint = endpointText.replace(/\/+$/, '').replace(/\/rest$/, '');
  }
  const identityText = env.MARKETO_IDENTITY_ENDPOINT?.trim();
  let identityEndpoint = endpoint ? `${endpoint}/identity` : '';
  if (identityText) {
    const parsed = restUrl('https://123-ABC-456.mktorest.com/identity').safeParse(identityText);
    if (!parsed.success)
      problems.push(`MARKETO_IDENTITY_ENDPOINT ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    else identityEndpoint = identityText.replace(/\/+$/, '');
  }
  const clientId = env.MARKETO_CLIENT_ID?.trim();
  if (!clientId)
    problems.push('MARKETO_CLIENT_ID is not set (Admin > LaunchPoint > the custom service > View Details)');
  const clientSecret = env.MARKETO_CLIENT_SECRET;
  if (!clientSecret?.trim()) problems.push('MARKETO_CLIENT_SECRET is not set');
  const foreignIdField = env.MARKETO_REST_FOREIGN_ID_FIELD?.trim();
  if (foreignIdField && !/^[A-Za-z][A-Za-z0-9_]*$/.test(foreignIdField))
    problems.push('MARKETO_REST_FOREIGN_ID_FIELD must be a REST field name (letters, digits, _)');
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  const settings = { endpoint, identityEndpoint, clientId: clientId! } as RestSettings;
  // Not enumerable: JSON.stringify, util.inspect and object spreads leave the secret out.
  Object.defineProperty(settings, 'clientSecret', { value: clientSecret, enumerable: false });
  if (foreignIdField) settings.foreignIdField = foreignIdField;
  const partition = env.MARKETO_REST_PARTITION?.trim();
  if (partition) settings.partitionName = partition;
  return Object.freeze(settings);
}
