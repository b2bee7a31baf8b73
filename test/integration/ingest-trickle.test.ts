import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { freshPrefix } from '../helpers/pipeline.js';

/**
 * Issue 19, slow clients: 16 clients that declare a large body and trickle it cannot hold the ingest
 * budget, so a well-behaved client is served meanwhile; the tricklers are cut off by the request
 * timeout. (What the good client waits is measured by `npm run bench`, not here.)
 */

const TOKEN = 'test-token-0123456789abcdef';
const LIMIT = 64 * 1024;
let server: IngestServer | undefined;
let producer: Producer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  await producer?.close();
});

/** A client that sends its headers (declaring `declared` bytes) and one byte of body, then stalls. */
function trickler(url: string, declared: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n[`,
      );
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const closed = new Promise<string>((done) => socket.on('close', () => done(answer)));
      resolve({ socket, closed });
    });
    sockets.push(socket);
  });
}

describe('slow clients cannot hold the ingest budget', () => {
  it('16 trickling clients: a good client is served, and every trickler is cut off by the request timeout', async () => {
    producer = await createProducer({ url: inject('redisUrl'), prefix: freshPrefix() });
    server = await startIngestServer({
      producer,
      token: TOKEN,
      maxBodyBytes: LIMIT,
      maxBytesInProgress: 3 * LIMIT,
      requestTimeoutMs: 1_500,
    });
    const tricklers = await Promise.all(Array.from({ length: 16 }, () => trickler(server!.url, LIMIT - 1)));
    // Wait until the server holds the tricklers' bytes: all 16 first bytes (or, as on main, whole
    // declared lengths reserved up front).
    for (let held = 0; held < 16;) {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      held = Number(/^mktsync_ingest_body_bytes_in_progress (\d+)/m.exec(text)?.[1] ?? 0);
      if (held < 16) await new Promise((r) => setTimeout(r, 20));
    }
    const good = await fetch(`${server.url}/v1/leads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify([{ Email: 'good@example.com', attributes: { FirstName: 'G' } }]),
    });
    expect(good.status, await good.clone().text()).toBe(202);
    // The tricklers never finish: the server ends each of them (408), which frees what they held.
    const answers = await Promise.all(tricklers.map((t) => t.closed));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 (408|503)/);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(0);
  });
});
