import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, readRestSettings, readTransportKind, readWorkerSettings } from '../../src/config.js';

const REST = {
  MARKETO_REST_ENDPOINT: 'https://123-ABC-456.mktorest.com/rest',
  MARKETO_CLIENT_ID: 'client-id-1',
  MARKETO_CLIENT_SECRET: 'very-secret-value-42',
};

describe('choosing the transport', () => {
  it('follows MARKETO_TRANSPORT, else the endpoint that is set', () => {
    expect(readTransportKind({})).toBe('soap');
    expect(readTransportKind({ MARKETO_SOAP_ENDPOINT: 'http://x/soap' })).toBe('soap');
    expect(readTransportKind({ MARKETO_REST_ENDPOINT: 'http://x' })).toBe('rest');
    expect(readTransportKind({ MARKETO_TRANSPORT: 'soap', MARKETO_REST_ENDPOINT: 'http://x' })).toBe('soap');
  });

  it('refuses both endpoints without a choice, naming both', () => {
    const both = { MARKETO_SOAP_ENDPOINT: 'http://x/soap', MARKETO_REST_ENDPOINT: 'http://x' };
    expect(() => readTransportKind(both)).toThrow(ConfigError);
    expect(() => readTransportKind(both)).toThrow(/MARKETO_SOAP_ENDPOINT and MARKETO_REST_ENDPOINT/);
    expect(readTransportKind({ ...both, MARKETO_TRANSPORT: 'rest' })).toBe('rest');
    expect(() => readTransportKind({ MARKETO_TRANSPORT: 'grpc' })).toThrow(
      /MARKETO_TRANSPORT must be soap or rest/,
    );
  });
});

describe('REST settings', () => {
  it('accepts a trailing /rest and derives the Identity endpoint', () => {
    const s = readRestSettings(REST);
    expect(s.endpoint).toBe('https://123-ABC-456.mktorest.com');
    expect(s.identityEndpoint).toBe('https://123-ABC-456.mktorest.com/identity');
    expect(s.clientSecret).toBe('very-secret-value-42');
    expect(
      readRestSettings({ ...REST, MARKETO_IDENTITY_ENDPOINT: 'https://id.example.com/identity/' })
        .identityEndpoint,
    ).toBe('https://id.example.com/identity');
  });

  it('names every missing variable', () => {
    expect(() => readRestSettings({})).toThrow(
      /MARKETO_REST_ENDPOINT is not set.*MARKETO_CLIENT_ID is not set.*MARKETO_CLIENT_SECRET is not set/,
    );
    expect(() => readRestSettings({ ...REST, MARKETO_REST_ENDPOINT: 'ftp://x' })).toThrow(
      /MARKETO_REST_ENDPOINT/,
    );
    expect(() => readRestSettings({ ...REST, MARKETO_REST_FOREIGN_ID_FIELD: 'not a name' })).toThrow(
      /MARKETO_REST_FOREIGN_ID_FIELD/,
    );
  });

  it('keeps the client secret out of JSON, inspection and spreads', () => {
    const s = readRestSettings({ ...REST, MARKETO_REST_FOREIGN_ID_FIELD: 'crmContactId' });
    expect(JSON.stringify(s)).not.toContain('very-secret-value-42');
    expect(inspect(s, { depth: 5 })).not.toContain('very-secret-value-42');
    expect(JSON.stringify({ ...s })).not.toContain('very-secret-value-42');
    expect(s.foreignIdField).toBe('crmContactId');
  });

  it('never echoes the secret in an error', () => {
    try {
      readRestSettings({ ...REST, MARKETO_REST_ENDPOINT: 'not a url' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('very-secret-value-42');
    }
  });
});

describe('worker defaults under REST (Adobe’s advice)', () => {
  it('rate and concurrency below the instance limits, timeout above 90 s, lease above the timeout', () => {
    const rest = readWorkerSettings(REST);
    expect(rest).toMatchObject({
      rateLimit: 50,
      maxConcurrent: 5,
      responseTimeoutMs: 120_000,
      leaseMs: 150_000,
    });
    expect(rest.responseTimeoutMs).toBeGreaterThan(90_000);
    expect(rest.leaseMs).toBeGreaterThan(rest.responseTimeoutMs);
    // SOAP keeps its own, and anything set explicitly wins.
    expect(readWorkerSettings({})).toMatchObject({ rateLimit: 80, responseTimeoutMs: 60_000 });
    expect(readWorkerSettings({ ...REST, MKTSYNC_RATE_LIMIT: '20' }).rateLimit).toBe(20);
  });
});
