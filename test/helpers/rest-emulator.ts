import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import type { CallLogEntry } from '../../src/emulator/call-log.js';

/** A running emulator with fresh SOAP and REST credentials, and plain HTTP helpers for its REST mode. */
export interface RestFixture {
  emulator: Emulator;
  clientId: string;
  clientSecret: string;
  /** Asks the identity service for a token (the same one until it expires). */
  token(): Promise<string>;
  /** One REST call with `Authorization: Bearer <token>` (a fresh token when none is given). */
  call(method: string, path: string, options?: CallOptions): Promise<RestAnswer>;
  /** The call log (both transports). */
  calls(since?: number): Promise<CallLogEntry[]>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** A JSON body (sent as application/json), or a form (application/x-www-form-urlencoded). */
  json?: unknown;
  form?: Record<string, string>;
  /** Raw body with its content type. */
  raw?: { body: string | Uint8Array; contentType: string };
  /** `null`: no Authorization header. */
  token?: string | null;
}

export interface RestAnswer {
  status: number;
  text: string;
  /** The parsed JSON answer (undefined when the answer is not JSON). */
  body: Record<string, unknown>;
}

export async function startRestFixture(options: Partial<EmulatorOptions> = {}): Promise<RestFixture> {
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  const { rest, ...others } = options;
  const emulator = await startEmulator({
    userId: `user_${randomBytes(4).toString('hex')}`,
    encryptionKey: randomBytes(16).toString('hex'),
    ...others,
    rest: { clientId, clientSecret, ...(rest ?? {}) },
  });
  const token = async (): Promise<string> => {
    const url = new URL(`${emulator.identityEndpoint}/oauth/token`);
    url.search = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }).toString();
    const response = await fetch(url);
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<RestAnswer> => {
    const headers: Record<string, string> = {};
    const bearer = o.token === undefined ? await token() : o.token;
    if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
    let body: string | Uint8Array | undefined;
    if (o.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.json);
    } else if (o.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(o.form).toString();
    } else if (o.raw !== undefined) {
      headers['Content-Type'] = o.raw.contentType;
      body = o.raw.body;
    }
    const response = await fetch(`${emulator.restEndpoint}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (e.g. a gateway page): callers look at `text`
    }
    return { status: response.status, text, body: parsed };
  };
  const calls = async (since = 0): Promise<CallLogEntry[]> =>
    (await (await fetch(`${emulator.url}/_emulator/calls?since=${since}`)).json()) as CallLogEntry[];
  return { emulator, clientId, clientSecret, token, call, calls, close: () => emulator.close() };
}

const SCHEMA_DIR = resolve(import.meta.dirname, '../fixtures/rest-schemas');

/** A project-written JSON Schema of test/fixtures/rest-schemas, as a zod validator. */
export function restSchema(name: string): z.ZodType {
  const schema = JSON.parse(readFileSync(resolve(SCHEMA_DIR, `${name}.json`), 'utf8')) as unknown;
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
}

/** The schema's complaints about a value ('' when it conforms). */
export function schemaProblems(schema: z.ZodType, value: unknown): string {
  const parsed = schema.safeParse(value);
  return parsed.success ? '' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
