import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MarketoFault } from '../../src/soap/faults.js';
import { soapCallError } from '../../src/soap/soap-transport.js';
import { MarketoCallError } from '../../src/transport/contract.js';
import { parseTransportKind, TRANSPORT_KINDS } from '../../src/vocabulary/transport-kinds.js';
import { WIRES, wireOf } from '../../src/wire/registry.js';

describe('the registry of wires', () => {
  it('has one entry per transport kind, each naming its own kind', () => {
    expect(Object.keys(WIRES).sort()).toEqual([...TRANSPORT_KINDS].sort());
    for (const kind of TRANSPORT_KINDS) expect(wireOf(kind).kind).toBe(kind);
  });

  it('names the setting of each wire’s endpoint, one its worker environment sets (readiness names it)', () => {
    const target = {
      from: 'emulator' as const,
      emulator: {
        endpoint: 'http://127.0.0.1:1/soap/mktows/2_3',
        restEndpoint: 'http://127.0.0.1:1',
        userId: 'u',
        encryptionKey: 'k',
        clientId: 'c',
        clientSecret: 's',
      },
    };
    expect(wireOf('soap').endpointSetting).toBe('MARKETO_SOAP_ENDPOINT');
    expect(wireOf('rest').endpointSetting).toBe('MARKETO_REST_ENDPOINT');
    for (const kind of TRANSPORT_KINDS)
      expect(Object.keys(wireOf(kind).workerEnv(target))).toContain(wireOf(kind).endpointSetting);
  });

  it('is the only place outside the wires that names their settings: the worker names none', () => {
    const worker = new URL('../../src/worker/', import.meta.url);
    const named = readdirSync(worker)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /'MARKETO_[A-Z_]+'/.test(readFileSync(new URL(f, worker), 'utf8')));
    expect(named).toEqual([]);
  });

  it('names each wire’s credential settings', () => {
    expect(wireOf('soap').credentialSettings).toBe('MARKETO_USER_ID and MARKETO_ENCRYPTION_KEY');
    expect(wireOf('rest').credentialSettings).toMatch(/^MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET/);
  });

  it('points a worker at an emulator with each wire’s variables', () => {
    const target = {
      from: 'emulator' as const,
      emulator: {
        endpoint: 'http://127.0.0.1:1/soap/mktows/2_3',
        restEndpoint: 'http://127.0.0.1:1',
        userId: 'u',
        encryptionKey: 'k',
        clientId: 'c',
        clientSecret: 's',
      },
    };
    expect(wireOf('soap').workerEnv(target)).toEqual({
      MARKETO_SOAP_ENDPOINT: 'http://127.0.0.1:1/soap/mktows/2_3',
      MARKETO_USER_ID: 'u',
      MARKETO_ENCRYPTION_KEY: 'k',
    });
    expect(wireOf('rest').workerEnv(target)).toEqual({
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: 'http://127.0.0.1:1',
      MARKETO_CLIENT_ID: 'c',
      MARKETO_CLIENT_SECRET: 's',
    });
  });

  it('prints mktsync send results as each wire always has: SOAP ids as numbers, REST ids as text with codes', () => {
    const result = { status: 'CREATED' as const, id: '1001', code: null, category: null, message: null };
    expect(wireOf('soap').resultLine(result)).toEqual({ status: 'CREATED', id: 1001, error: null });
    expect(wireOf('rest').resultLine(result)).toEqual({
      status: 'CREATED',
      id: '1001',
      code: null,
      error: null,
    });
    const failed = { ...result, status: 'FAILED' as const, id: null, message: 'bad', field: 'attributes.X' };
    expect(wireOf('soap').resultLine(failed)).toEqual({ status: 'FAILED', id: 0, error: 'bad' });
    expect(wireOf('rest').resultLine(failed)).toMatchObject({
      id: null,
      error: 'bad',
      field: 'attributes.X',
    });
  });

  it('prints a SOAP fault with Marketo’s numeric code, a REST one with whether it was applied', () => {
    const fault = soapCallError(
      new MarketoFault(
        20105,
        'SOAP-ENV:Client',
        '20105 - Lead Attribute Bad',
        'unknown fields for import: pants',
      ),
    );
    expect(wireOf('soap').faultLine(fault)).toEqual({
      category: 'invalid-record',
      code: 20105,
      message: fault.message,
    });
    const rest = new MarketoCallError('busy', { category: 'transient', code: '606', applied: 'not-applied' });
    expect(wireOf('rest').faultLine(rest)).toEqual({
      category: 'transient',
      code: '606',
      applied: 'not-applied',
      message: 'busy',
    });
  });
});

describe('transport kinds', () => {
  it('parses the listed kinds and refuses anything else, naming where it came from', () => {
    expect(parseTransportKind('rest', '--transport')).toBe('rest');
    expect(() => parseTransportKind('smtp', '--transport')).toThrow(
      '--transport must be soap or rest, got "smtp"',
    );
  });
});
