import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mktsync-cli-'));
const file = (name: string, lines: unknown[]): string => {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
};

let emulator: Awaited<ReturnType<typeof startCli>>;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startCli(
    ['emulator', '--port', '0', '--user-id', 'cli_user', '--encryption-key', 'cli-secret-key'],
    (l) => l.msg === 'Marketo SOAP emulator listening',
  );
  env = {
    MARKETO_SOAP_ENDPOINT: String(emulator.line.endpoint),
    MARKETO_USER_ID: 'cli_user',
    MARKETO_ENCRYPTION_KEY: 'cli-secret-key',
  };
});
afterAll(async () => {
  expect(await emulator.stop()).toBe(0);
});

describe('mktsync emulator', () => {
  it('logs its endpoint without the key', () => {
    expect(emulator.line.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/soap\/mktows\/2_3$/);
    expect(JSON.stringify(emulator.line)).not.toContain('cli-secret-key');
  });
});

describe('mktsync send', () => {
  it('sends leads and prints one result per record', async () => {
    const leads = file('leads.ndjson', [
      { Email: 'ann@example.com', attributes: { FirstName: 'Ann', LeadScore: 12, Unsubscribed: false } },
      '',
      { ForeignSysPersonId: 'crm-7', ForeignSysType: 'SFDC', attributes: { LastName: null } },
    ]);
    const run = await runCli(['send', 'leads', leads], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results).toEqual([
      { line: 1, status: 'CREATED', id: expect.any(Number), error: null },
      { line: 3, status: 'CREATED', id: expect.any(Number), error: null },
    ]);
    const stored = (await (
      await fetch(String(emulator.line.endpoint).replace(/\/soap.*/, '/_emulator/leads'))
    ).json()) as { attributes: Record<string, string> }[];
    expect(stored[0]!.attributes).toEqual({ FirstName: 'Ann', LeadScore: '12', Unsubscribed: 'false' });
  });

  it('sends objects with an operation, reading stdin', async () => {
    const line = JSON.stringify({
      type: 'Program',
      id: 1001,
      typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: 500 } }],
    });
    const run = await runCli(['send', 'mobjects', '-', '--operation', 'UPDATE'], env, `${line}\n`);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ line: 1, status: 'UPDATED', id: 1001, error: null });
  });

  it('sends with dedup off', async () => {
    const leads = file('dup.ndjson', [{ Email: 'ann@example.com' }]);
    const run = await runCli(['send', 'leads', leads, '--dedup', 'false'], env);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'CREATED' });
  });

  it('prints a fault and exits 1', async () => {
    const leads = file('pants.ndjson', [{ Email: 'p@example.com', attributes: { pants: 'yes' } }]);
    const run = await runCli(['send', 'leads', leads], env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      fault: {
        category: 'invalid-record',
        code: 20105,
        message: '20105 - Lead Attribute Bad: unknown fields for import: pants',
      },
    });
  });

  it('refuses bad lines with their line numbers and sends nothing', async () => {
    const before = (await (
      await fetch(String(emulator.line.endpoint).replace(/\/soap.*/, '/_emulator/stats'))
    ).json()) as { calls: number };
    const bad = file('bad.ndjson', [
      { Email: 'ok@example.com' },
      '{"Email": ',
      { Id: 'seven' },
      { Email: 'x@example.com', attributes: { Notes: 'bell\u0007' } },
    ]);
    const run = await runCli(['send', 'leads', bad], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:2: (record): not valid JSON`);
    expect(run.stderr).toContain(`${bad}:3: Id: `);
    expect(run.stderr).toContain(`${bad}:4: attributes.Notes: contains a control character`);
    expect(run.stderr).toContain('nothing sent: 3 problem(s)');
    const after = (await (
      await fetch(String(emulator.line.endpoint).replace(/\/soap.*/, '/_emulator/stats'))
    ).json()) as { calls: number };
    expect(after.calls).toBe(before.calls);
  });

  it('says which settings are missing and never prints the key on an auth fault', async () => {
    const leads = file('one.ndjson', [{ Email: 'one@example.com' }]);
    const missing = await runCli(['send', 'leads', leads], {
      MARKETO_SOAP_ENDPOINT: '',
      MARKETO_USER_ID: '',
      MARKETO_ENCRYPTION_KEY: '',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /MARKETO_SOAP_ENDPOINT, MARKETO_USER_ID, MARKETO_ENCRYPTION_KEY are not set/,
    );
    const wrong = await runCli(['send', 'leads', leads], {
      ...env,
      MARKETO_ENCRYPTION_KEY: 'wrong-secret-xyz',
    });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).fault).toMatchObject({ code: 20014, category: 'auth' });
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-secret-xyz');
  });

  it('refuses wrong usage', async () => {
    expect((await runCli(['send', 'mobjects', 'x.ndjson'], env)).stderr).toMatch(
      /--operation must be one of INSERT, UPDATE, UPSERT/,
    );
    expect((await runCli(['send', 'leads', 'x', '--dedup', 'maybe'], env)).stderr).toMatch(
      /--dedup must be true or false/,
    );
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
  });
});
