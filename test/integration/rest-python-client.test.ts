import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restSchema, schemaProblems, startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

/**
 * An independent REST client on another stack (python 3, standard library only: urllib and json)
 * drives the emulator's REST mode end to end. python3 is installed by scripts/test-prereqs.sh.
 */
const SCRIPT = resolve(import.meta.dirname, '../fixtures/rest-client/drive_rest.py');

interface Exchange {
  method: string;
  path: string;
  json: Record<string, unknown> | null;
  form: Record<string, string> | null;
  status: number;
  answer: Record<string, unknown>;
}
interface Report {
  exchanges: Exchange[];
  events: string[];
  tokens: { status: number; expires_in: number; token_type: string }[];
  same_token_again: boolean;
  mapped: Record<string, string>;
  created: { id: number; status: string }[];
  exists: unknown[];
  updated: unknown[];
  opportunities: { marketoGUID: string }[];
  roles: { marketoGUID: string }[];
  program: unknown[];
}

let f: RestFixture;
let report: Report;
beforeAll(async () => {
  f = await startRestFixture();
  const { stdout } = await promisify(execFile)(
    'python3',
    [SCRIPT, f.emulator.restEndpoint, f.clientId, f.clientSecret],
    {
      timeout: 60_000,
    },
  );
  report = JSON.parse(stdout) as Report;
});
afterAll(() => f?.close());

/** The project's schemas for the request and the answer of a path. */
function schemasFor(exchange: Exchange): { request?: string; answer: string } {
  if (exchange.answer.success === false) return { answer: 'call-error-response' };
  if (exchange.path === '/rest/v1/leads.json')
    return { request: 'sync-leads-request', answer: 'sync-leads-response' };
  if (exchange.path.startsWith('/rest/v1/opportunities') && exchange.method === 'POST')
    return { request: 'sync-objects-request', answer: 'sync-objects-response' };
  if (exchange.path.startsWith('/rest/asset/v1/program/'))
    return { request: 'update-program-request', answer: 'program-response' };
  return { answer: '' };
}

describe('an independent python REST client against the emulator', () => {
  it('gets one token, reuses it, maps SOAP names through Describe and syncs leads with the documented statuses', () => {
    expect(report.same_token_again).toBe(true);
    expect(report.tokens[0]).toEqual({ status: 200, expires_in: 3600, token_type: 'bearer' });
    expect(report.mapped).toEqual({
      FirstName: 'firstName',
      LastName: 'lastName',
      City: 'city',
      crmContactId: 'crmContactId',
    });
    expect(report.created.map((r) => r.status)).toEqual(['created', 'created']);
    expect(report.exists).toEqual([
      { status: 'skipped', reasons: [{ code: '1005', message: 'Lead already exists' }] },
    ]);
    expect(report.updated).toEqual([{ id: report.created[0]!.id, status: 'updated' }]);
    const lead = f.emulator.leads.get(report.created[0]!.id)!;
    expect(lead).toMatchObject({
      Email: 'py1@example.com',
      attributes: { FirstName: 'Guido', City: 'Amsterdam' },
    });
    expect(f.emulator.leads.get(report.created[1]!.id)!.attributes.crmContactId).toBe('PY-2');
  });

  it('creates an opportunity and a role whose marketoGUIDs are in the emulator, and updates a program form-encoded', async () => {
    const opportunities = (await (
      await fetch(`${f.emulator.url}/_emulator/mobjects?type=Opportunity`)
    ).json()) as { marketoGUID: string }[];
    expect(opportunities.map((o) => o.marketoGUID)).toEqual([report.opportunities[0]!.marketoGUID]);
    const roles = (await (
      await fetch(`${f.emulator.url}/_emulator/mobjects?type=OpportunityPersonRole`)
    ).json()) as {
      marketoGUID: string;
      attributes: Record<string, string>;
    }[];
    expect(roles).toEqual([
      expect.objectContaining({
        marketoGUID: report.roles[0]!.marketoGUID,
        attributes: expect.objectContaining({
          PersonId: String(report.created[0]!.id),
          Role: 'Champion',
          IsPrimary: 'true',
        }),
      }),
    ]);
    expect(report.program).toEqual([
      expect.objectContaining({ id: 1004, costs: [{ startDate: '2026-11-01', cost: 300, note: 'python' }] }),
    ]);
  });

  it('renews its token after the emulator expired it (602) and resends the call once', async () => {
    expect(report.events).toEqual(['602: renewing the token']);
    const program = report.exchanges.filter((e) => e.path === '/rest/asset/v1/program/1004.json');
    expect(program.map((e) => e.answer.success)).toEqual([false, true]);
    expect(program[0]!.answer.errors).toEqual([{ code: '602', message: 'Access token expired' }]);
    const log = (await f.calls()).filter(
      (c) => c.operation === 'updateProgram' || c.operation === 'identity',
    );
    expect(log.map((c) => [c.operation, c.status, c.faultCode])).toEqual([
      ['identity', 'ok', undefined],
      ['identity', 'ok', undefined],
      ['updateProgram', 'fault', 602],
      ['identity', 'ok', undefined],
      ['updateProgram', 'ok', undefined],
    ]);
  });

  it("sent only bodies that fit the project's request schemas, and got answers that fit the answer schemas", () => {
    expect(report.exchanges.length).toBeGreaterThanOrEqual(8);
    for (const exchange of report.exchanges) {
      const schemas = schemasFor(exchange);
      if (schemas.request) {
        const body =
          exchange.form === null
            ? exchange.json
            : Object.fromEntries(
                Object.entries(exchange.form).map(([k, v]) => [
                  k,
                  k === 'costs' || k === 'tags' ? JSON.parse(v) : v,
                ]),
              );
        expect(`${exchange.path}: ${schemaProblems(restSchema(schemas.request), body)}`).toBe(
          `${exchange.path}: `,
        );
      }
      if (schemas.answer)
        expect(`${exchange.path}: ${schemaProblems(restSchema(schemas.answer), exchange.answer)}`).toBe(
          `${exchange.path}: `,
        );
    }
  });
});
