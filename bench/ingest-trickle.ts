import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { startIngestServer } from '../src/producer/ingest-server.js';
import { createProducer } from '../src/producer/producer.js';
import { dropPrefix, freshPrefix, median } from './harness.js';

/** What a well-behaved client's request waits while slow clients trickle bodies. */
export interface TrickleFigures {
  tricklers: number;
  requests: number;
  /** Median ms of one good POST (500 leads) with nobody trickling. */
  baselineMedianMs: number;
  /** Median ms of the same POST while the tricklers hold their requests open. */
  tricklingMedianMs: number;
  /** Good requests answered 503 (busy) while trickling: the budget held by slow clients. */
  refusedWhileTrickling: number;
}

/** A client that declares `declared` bytes and sends one every `everyMs`, until destroyed. */
function trickle(url: string, declared: number, everyMs: number): Socket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname, () => {
    socket.write(
      `POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n[`,
    );
    const drip = setInterval(() => socket.write(' '), everyMs);
    socket.on('close', () => clearInterval(drip));
  });
  socket.on('error', () => {});
  return socket;
}

/**
 * One ingest server with the default limits (5 MiB bodies, 15 MiB in progress, 30 s request time):
 * `requests` good POSTs of 500 leads one after another, first alone, then while `tricklers` clients
 * each declare 5 MiB and send a byte every 200 ms. Reports the medians and how many were refused.
 */
export async function benchTrickle(
  redisUrl: string,
  requests: number,
  tricklers = 16,
): Promise<TrickleFigures> {
  const prefix = freshPrefix();
  const producer = await createProducer({ url: redisUrl, prefix });
  const server = await startIngestServer({ producer, authDisabled: true });
  const body = JSON.stringify(
    Array.from({ length: 500 }, (_, i) => ({
      Email: `t${i}@example.com`,
      attributes: { FirstName: `T${i}` },
    })),
  );
  const post = async (): Promise<{ ms: number; status: number }> => {
    const t = performance.now();
    const response = await fetch(`${server.url}/v1/leads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return { ms: performance.now() - t, status: response.status };
  };
  const round = async (): Promise<{ ms: number[]; refused: number }> => {
    const ms: number[] = [];
    let refused = 0;
    for (let i = 0; i < requests; i++) {
      const r = await post();
      if (r.status === 503) refused++;
      else ms.push(r.ms);
    }
    return { ms, refused };
  };
  try {
    const baseline = await round();
    const slow = Array.from({ length: tricklers }, () => trickle(server.url, 5 * 1024 * 1024, 200));
    // Let every trickler's headers and first byte arrive before the good requests start.
    await new Promise((r) => setTimeout(r, 500));
    const trickling = await round();
    for (const s of slow) s.destroy();
    return {
      tricklers,
      requests,
      baselineMedianMs: median(baseline.ms),
      tricklingMedianMs: trickling.ms.length > 0 ? median(trickling.ms) : Number.NaN,
      refusedWhileTrickling: trickling.refused,
    };
  } finally {
    await server.close();
    await producer.close();
    const redis = new Redis(redisUrl);
    await dropPrefix(redis, `{${prefix}}*`);
    redis.disconnect();
  }
}
