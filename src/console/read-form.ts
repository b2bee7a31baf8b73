import type http from 'node:http';
import { HttpError } from './http-reply.js';

// Bounded before kept: the console's forms are a few fields, a selection of keys at most.
const MAX_FORM_BYTES = 64 * 1024;

/** Reads a posted form, refusing any other body type and any body over {@link MAX_FORM_BYTES}. */
export async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw new HttpError(415, 'a form (application/x-www-form-urlencoded) is expected');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, `the form is over ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
