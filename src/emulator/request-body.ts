import type http from 'node:http';

/** Request bodies of both transports (and the admin API), bounded before they are kept. */

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Reads a body up to `limit` bytes; a declared or actual size above it is {@link BodyTooLarge}. */
export function readBoundedBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLarge(`body of ${declared} bytes is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
