import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readInstances, type Env } from '../../src/config.js';
import { bufferKeys } from '../../src/buffer/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'mktsync-instances-'));
let n = 0;
/** Writes `content` (an object as JSON, or text) to a new file and returns its path. */
function file(content: unknown, ext = 'json'): string {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const rest = (name: string, secretEnv = 'SECRET_A') => ({
  name,
  transport: 'rest',
  rest: {
    endpoint: `https://${name}.mktorest.com`,
    clientId: `id-${name}`,
    clientSecret: { env: secretEnv },
  },
});

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('no error');
};

describe('instances configuration', () => {
  it('without a file: one instance, default, on the environment and its unchanged prefix', () => {
    const env: Env = { MKTSYNC_PREFIX: 'acme', MARKETO_TRANSPORT: 'rest' };
    const catalog = readInstances(env);
    expect(catalog.fromFile).toBe(false);
    expect(catalog.names).toEqual(['default']);
    expect(catalog.pick(undefined).prefix).toBe('acme');
    expect(catalog.pick(undefined).env).toBe(env);
    expect(bufferKeys(catalog.pick(undefined).prefix).base).toBe('{acme}');
    expect(errorOf(() => catalog.get('other'))).toMatch(
      /unknown instance "other"; this deployment has default/,
    );
  });

  it('a file: one hash tag per instance, its transport and limits over the shared settings, secrets by name', () => {
    const path = file({
      default: 'b',
      instances: [
        { ...rest('a'), rateLimit: 7, dailyQuota: 1234 },
        {
          name: 'b',
          transport: 'soap',
          soap: {
            endpoint: 'https://b.mktoapi.com/soap/mktows/2_3',
            userId: 'u',
            encryptionKey: { file: file('key-b\n', 'txt') },
          },
        },
      ],
    });
    const env: Env = {
      MKTSYNC_INSTANCES_FILE: path,
      MKTSYNC_PREFIX: 'acme',
      SECRET_A: 'secret-a-value',
      MKTSYNC_LINGER_MS: '777',
      // An instance never inherits the environment's Marketo settings.
      MARKETO_REST_FOREIGN_ID_FIELD: 'leaky',
    };
    const catalog = readInstances(env);
    expect(catalog.names).toEqual(['a', 'b']);
    expect(catalog.pick(undefined).name).toBe('b');
    const a = catalog.workerSettings('a');
    expect(a.prefix).toBe('acme:a');
    expect(bufferKeys(a.prefix).base).toBe('{acme:a}');
    expect(a.transport).toBe('rest');
    expect(a.rest?.clientSecret).toBe('secret-a-value');
    expect(a.rest?.foreignIdField).toBeUndefined();
    expect(a.rateLimit).toBe(7);
    expect(a.dailyQuota).toBe(1234);
    expect(a.lingerMs).toBe(777);
    const b = catalog.workerSettings('b');
    expect(b.prefix).toBe('acme:b');
    expect(b.transport).toBe('soap');
    expect(b.marketo.encryptionKey).toBe('key-b');
    // Without secrets: what producers see.
    expect(catalog.get('a').env.MARKETO_CLIENT_SECRET).toBeUndefined();
    expect(JSON.stringify(a)).not.toContain('secret-a-value');
  });

  it('YAML files too', () => {
    const path = file(
      'instances:\n  - name: y1\n    transport: rest\n    rest:\n      endpoint: https://y.mktorest.com\n      clientId: c\n      clientSecret: { env: SECRET_A }\n',
      'yaml',
    );
    expect(readInstances({ MKTSYNC_INSTANCES_FILE: path }).names).toEqual(['y1']);
  });

  it('errors name the instance and the field, never a secret', () => {
    const bad = (content: unknown, env: Env = {}) =>
      errorOf(() => readInstances({ MKTSYNC_INSTANCES_FILE: file(content), ...env }).workerSettings('a'));
    expect(bad({ instances: [{ ...rest('a'), rest: { ...rest('a').rest, endpoint: 'ftp://x' } }] })).toMatch(
      /instance "a": rest\.endpoint must be an http\(s\) URL/,
    );
    expect(bad({ instances: [{ name: 'a', transport: 'rest' }] })).toMatch(
      /instance "a": rest is required for transport rest/,
    );
    expect(
      bad({ instances: [{ ...rest('a'), rest: { ...rest('a').rest, clientSecret: 'inline-secret' } }] }),
    ).toMatch(/instance "a": rest\.clientSecret/);
    expect(
      bad({ instances: [{ ...rest('a'), rest: { ...rest('a').rest, clientSecret: 'inline-secret' } }] }),
    ).not.toContain('inline-secret');
    expect(bad({ instances: [rest('a'), rest('a')] })).toMatch(/instance "a": name "a" is named twice/);
    expect(bad({ instances: [{ ...rest('a b') }] })).toMatch(/instance "a b": name must be 1-64 letters/);
    expect(bad({ default: 'zz', instances: [rest('a')] })).toMatch(
      /default names no instance of the file \("zz"\)/,
    );
    expect(bad({ instances: [{ ...rest('a'), rateLimit: -1 }] })).toMatch(
      /instance "a": rateLimit must be at least 0/,
    );
    expect(bad({ instances: [rest('a', 'MISSING_SECRET')] })).toMatch(
      /instance "a": rest\.clientSecret\.env names MISSING_SECRET, which is not set/,
    );
    expect(bad({ instances: [rest('a')] }, { SECRET_A: 's', MKTSYNC_LEASE_MS: '1' })).toMatch(
      /instance "a": MKTSYNC_LEASE_MS must be longer/,
    );
    expect(errorOf(() => readInstances({ MKTSYNC_INSTANCES_FILE: file('{ not json') }))).toMatch(
      /MKTSYNC_INSTANCES_FILE: not valid JSON/,
    );
    expect(errorOf(() => readInstances({ MKTSYNC_INSTANCES_FILE: join(dir, 'absent.json') }))).toMatch(
      /MKTSYNC_INSTANCES_FILE: cannot read .*absent\.json \(ENOENT\)/,
    );
  });

  it('MKTSYNC_INSTANCES restricts what a worker serves and refuses unknown names; no default means --instance is required', () => {
    const path = file({ instances: [rest('a'), rest('b'), rest('c')] });
    expect(readInstances({ MKTSYNC_INSTANCES_FILE: path, MKTSYNC_INSTANCES: 'c, a' }).served).toEqual([
      'a',
      'c',
    ]);
    expect(
      errorOf(() => readInstances({ MKTSYNC_INSTANCES_FILE: path, MKTSYNC_INSTANCES: 'a,nope' })),
    ).toMatch(/MKTSYNC_INSTANCES names unknown instance\(s\) "nope"; this deployment has a, b, c/);
    expect(errorOf(() => readInstances({ MKTSYNC_INSTANCES_FILE: path }).pick(undefined))).toMatch(
      /--instance is required/,
    );
  });

  it('legacyKeys keeps one instance of a file on the keys of the environment-only deployment', () => {
    const path = file({ instances: [{ ...rest('a'), legacyKeys: true }, rest('b')] });
    const catalog = readInstances({ MKTSYNC_INSTANCES_FILE: path, MKTSYNC_PREFIX: 'acme' });
    expect(catalog.get('a').prefix).toBe('acme');
    expect(catalog.get('b').prefix).toBe('acme:b');
    expect(
      errorOf(() =>
        readInstances({
          MKTSYNC_INSTANCES_FILE: file({
            instances: [
              { ...rest('a'), legacyKeys: true },
              { ...rest('b'), legacyKeys: true },
            ],
          }),
        }),
      ),
    ).toMatch(/at most one instance may keep the legacy keys/);
  });
});
