import type http from 'node:http';

/** Small HTTP helpers of the REST mode: the answers Marketo's API and its gateway give. */

export function sendRestJson(res: http.ServerResponse, status: number, value: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const GATEWAY_TEXT: Readonly<Record<number, string>> = {
  413: '413 Request Entity Too Large',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
};

/** An HTML error page, as the gateway in front of Marketo answers 413, 502 and 503. */
export function sendGatewayPage(res: http.ServerResponse, status: 413 | 502 | 503): void {
  if (res.destroyed || res.headersSent) return;
  const text = GATEWAY_TEXT[status]!;
  const body = `<html><head><title>${text}</title></head><body><center><h1>${text}</h1></center></body></html>`;
  // A 413 is sent before the body was read: the connection cannot be reused.
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(body),
  };
  if (status === 413) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

/** The bearer token of a request's `Authorization` header. */
export function bearerToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}
