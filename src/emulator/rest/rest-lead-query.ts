import type { EmulatedLead, LeadStore } from '../lead-store.js';
import type { LeadFieldCatalogue } from './lead-fields.js';
import { RestCallError } from './rest-answer.js';
import { named, shown } from './rest-records.js';

/**
 * Get Leads by Filter Type (`GET /rest/v1/leads.json?filterType=…&filterValues=…`, or the same
 * parameters as a form body of `POST /rest/v1/leads.json?_method=GET` when the URL would pass 8 KB):
 * up to 300 comma-separated values on a lookup field (`id`, `email`, a custom field), matching leads
 * with the requested `fields` (default `id`, `email`, `firstName`, `lastName`, `updatedAt`,
 * `createdAt`), up to `batchSize` (300) a page, `nextPageToken` for more; more than 1,000 matches is
 * 1003 "Too many results match the filter". Nothing matched is an empty `result`.
 */

const MAX_VALUES = 300;
const MAX_MATCHES = 1000;
const DEFAULT_FIELDS = ['id', 'email', 'firstName', 'lastName', 'updatedAt', 'createdAt'];

export function queryLeads(
  query: URLSearchParams,
  leads: LeadStore,
  catalogue: LeadFieldCatalogue,
): { result: unknown[]; nextPageToken?: string } {
  const filterType = query.get('filterType');
  const values = query
    .getAll('filterValues')
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
  if (!filterType || values.length === 0)
    throw new RestCallError(1003, 'The filterType and filterValues parameters are required');
  const field = catalogue.byRestName(filterType);
  if (!field || !catalogue.isLookupField(field))
    throw new RestCallError(1003, `Invalid filterType ${named(filterType)}`);
  if (values.length > MAX_VALUES)
    throw new RestCallError(1003, `filterValues: at most ${MAX_VALUES} values, got ${values.length}`);
  const names = query
    .getAll('fields')
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
  const wanted = names.length > 0 ? names : DEFAULT_FIELDS;
  const size = query.get('batchSize');
  const batchSize = size === null ? MAX_VALUES : Number(size);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_VALUES)
    throw new RestCallError(1003, `Invalid value ${shown(size)} for batchSize: 1 to ${MAX_VALUES}`);
  const offset = pageOffset(query.get('nextPageToken'));

  const seen = new Set<number>();
  const matches: EmulatedLead[] = [];
  for (const value of values)
    for (const lead of leads.findBy(field.soap, value))
      if (!seen.has(lead.id)) {
        seen.add(lead.id);
        matches.push(lead);
      }
  if (matches.length > MAX_MATCHES) throw new RestCallError(1003, 'Too many results match the filter');
  const page = matches.slice(offset, offset + batchSize);
  const result = page.map((lead) => {
    const out: Record<string, unknown> = {};
    for (const name of wanted) out[name] = fieldValue(lead, name, catalogue);
    return out;
  });
  const next = offset + page.length;
  return next < matches.length
    ? { result, nextPageToken: Buffer.from(`leads:${next}`).toString('base64url') }
    : { result };
}

function pageOffset(token: string | null): number {
  if (token === null || token === '') return 0;
  const match = /^leads:(\d{1,6})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new RestCallError(1003, 'Invalid nextPageToken');
  return Number(match[1]);
}

function fieldValue(lead: EmulatedLead, name: string, catalogue: LeadFieldCatalogue): unknown {
  if (name === 'id') return lead.id;
  if (name === 'createdAt') return lead.createdAt;
  if (name === 'updatedAt') return lead.updatedAt;
  const field = catalogue.byRestName(name);
  if (!field) return null;
  if (field.soap === 'Email') return lead.Email ?? lead.attributes.Email ?? null;
  return lead.attributes[field.soap] ?? null;
}
