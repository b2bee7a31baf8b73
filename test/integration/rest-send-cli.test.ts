import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** `mktsync send` over REST, as a user runs it: a real process, the throw-away emulator, NDJSON out. */

const dir = mkdtempSync(join(tmpdir(), 'mktsync-rest-send-'));
const file = (name: string, lines: unknown[]): string => {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
};
const parse = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const NO_MARKETO = {
  MARKETO_TRANSPORT: undefined,
  MARKETO_SOAP_ENDPOINT: undefined,
  MARKETO_REST_ENDPOINT: undefined,
};

describe('mktsync send --transport rest', () => {
  it('sends leads of every key kind, one call per kind, and prints one line per record in file order', async () => {
    const leads = file('leads.ndjson', [
      { Email: 'ann@example.com', attributes: { FirstName: 'Ann', LeadScore: 12 } },
      { ForeignSysPersonId: 'crm-7', ForeignSysType: 'SFDC', attributes: { LastName: 'Seven' } },
      { Email: 'bob@example.com', attributes: { Pants: 'blue' } },
    ]);
    const run = await runCli(['send', 'leads', leads, '--transport', 'rest', '--emulator'], NO_MARKETO);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toEqual([
      { line: 1, status: 'CREATED', id: expect.stringMatching(/^\d+$/), code: null, error: null },
      { line: 2, status: 'CREATED', id: expect.stringMatching(/^\d+$/), code: null, error: null },
      {
        line: 3,
        status: 'FAILED',
        id: null,
        code: null,
        error: expect.stringContaining('Pants'),
        field: 'attributes.Pants',
      },
    ]);
  });

  it('sends the program cost example, one program per call', async () => {
    const example = resolve(import.meta.dirname, '../../examples/program-costs.ndjson');
    const run = await runCli(
      ['send', 'mobjects', example, '--operation', 'UPDATE', '--transport', 'rest', '--emulator'],
      NO_MARKETO,
    );
    expect(run.code).toBe(0);
    expect(parse(run.stdout).map((r) => [r.status, r.id])).toEqual([
      ['UPDATED', '1001'],
      ['UPDATED', '1003'],
    ]);
  });

  it('chooses REST from MARKETO_REST_ENDPOINT, and names missing settings', async () => {
    const leads = file('one.ndjson', [{ Email: 'x@example.com', attributes: {} }]);
    const run = await runCli(['send', 'leads', leads], {
      ...NO_MARKETO,
      MARKETO_REST_ENDPOINT: 'http://127.0.0.1:9',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/MARKETO_CLIENT_ID is not set.*MARKETO_CLIENT_SECRET is not set/);
  });

  it('a call that fails prints the fault with its category and whether it was applied', async () => {
    const leads = file('refused.ndjson', [{ Email: 'x@example.com', attributes: {} }]);
    const run = await runCli(['send', 'leads', leads], {
      ...NO_MARKETO,
      MARKETO_REST_ENDPOINT: 'http://127.0.0.1:9',
      MARKETO_CLIENT_ID: 'id',
      MARKETO_CLIENT_SECRET: 'secret-that-must-not-show',
    });
    expect(run.code).toBe(1);
    const [line] = parse(run.stdout);
    expect(line).toMatchObject({ fault: { category: 'transient', applied: 'not-sent' } });
    expect(run.stdout + run.stderr).not.toContain('secret-that-must-not-show');
  });
});
