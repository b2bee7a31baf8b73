import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/reconcile/source.js';

/**
 * A reconcile source URL may carry credentials (`https://user:pass@host/…`) or a token in its query
 * (`?token=…`, a pre-signed URL's signature). A run that fails keeps its error as the job's failed
 * reason, which the console's run page, the worker's queue view, the CLI and the logs print: the
 * error must name the source without them. A real HTTP server answers.
 */

const SECRET = 'sig-0123456789abcdef';
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/missing')) {
      res.writeHead(404).end('no');
      return;
    }
    if (req.url?.startsWith('/big')) {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Content-Length': '5000' });
      res.end('x'.repeat(5000));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    res.end(`${'y'.repeat(300)}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The message of what opening and reading `location` throws. */
async function failure(location: string, limits?: Parameters<typeof openSource>[2]): Promise<string> {
  try {
    const source = await openSource(location, 'leads', limits);
    try {
      for await (const batch of source.batches) void batch;
    } finally {
      source.close();
    }
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${location} did not fail`);
}

const LIMITS = { maxBytes: 1000, maxLineBytes: 100, connectTimeoutMs: 5000 } as const;

describe('a reconcile source that fails names its URL without credentials or query', () => {
  it('HTTP 404 of a URL with a token in its query', async () => {
    const message = await failure(`${base}/missing/export.ndjson?token=${SECRET}`);
    expect(message).toContain('/missing/export.ndjson');
    expect(message).toContain('404');
    expect(message).not.toContain(SECRET);
  });

  it('a URL with credentials in its userinfo (fetch refuses it)', async () => {
    const message = await failure(`http://ops:${SECRET}@127.0.0.1:1/export.ndjson`);
    expect(message).not.toContain(SECRET);
  });

  it('a body over the size bound, and a line over the line bound', async () => {
    const big = await failure(`${base}/big.ndjson?X-Amz-Signature=${SECRET}`, {
      limits: { ...LIMITS },
    });
    expect(big).toMatch(/larger than 1000 bytes/);
    expect(big).not.toContain(SECRET);
    const line = await failure(`${base}/long.ndjson?X-Amz-Signature=${SECRET}`, {
      limits: { ...LIMITS, maxBytes: 1_000_000 },
    });
    expect(line).toMatch(/line longer than 100 bytes/);
    expect(line).not.toContain(SECRET);
  });
});
