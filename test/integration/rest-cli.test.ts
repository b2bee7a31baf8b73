import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

describe('mktsync emulator: REST flags', () => {
  it('serves REST with --client-id, --client-secret and --token-ttl, logging the endpoints but never the secret', async () => {
    const cli = await startCli(
      [
        'emulator',
        '--port',
        '0',
        '--client-id',
        'cli_client',
        '--client-secret',
        'cli-rest-secret',
        '--token-ttl',
        '90',
      ],
      (l) => l.msg === 'Marketo REST emulator listening',
      { MARKETO_CLIENT_ID: 'ignored-env-id' },
    );
    try {
      expect(cli.line).toMatchObject({ clientId: 'cli_client', demoSecret: false, tokenTtlSeconds: 90 });
      expect(JSON.stringify(cli.line)).not.toContain('cli-rest-secret');
      const identity = `${String(cli.line.identityEndpoint)}/oauth/token?grant_type=client_credentials`;
      const good = await fetch(`${identity}&client_id=cli_client&client_secret=cli-rest-secret`);
      expect(await good.json()).toMatchObject({ token_type: 'bearer', expires_in: 90 });
      expect((await fetch(`${identity}&client_id=ignored-env-id&client_secret=cli-rest-secret`)).status).toBe(
        401,
      );
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it('takes the REST credentials from MARKETO_CLIENT_ID / MARKETO_CLIENT_SECRET, and refuses a bad --token-ttl naming it', async () => {
    const cli = await startCli(
      ['emulator', '--port', '0'],
      (l) => l.msg === 'Marketo REST emulator listening',
      {
        MARKETO_CLIENT_ID: 'env_client',
        MARKETO_CLIENT_SECRET: 'env-secret',
      },
    );
    try {
      expect(cli.line).toMatchObject({ clientId: 'env_client', tokenTtlSeconds: 3600 });
      const answer = await fetch(
        `${String(cli.line.identityEndpoint)}/oauth/token?grant_type=client_credentials&client_id=env_client&client_secret=env-secret`,
      );
      expect(answer.status).toBe(200);
    } finally {
      await cli.stop();
    }
    const bad = await runCli(['emulator', '--token-ttl', 'soon']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--token-ttl must be a positive number of seconds, got soon');
  });
});
