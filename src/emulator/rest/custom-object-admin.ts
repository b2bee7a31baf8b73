import type http from 'node:http';
import type { CustomObjectStore } from '../custom-object-store.js';
import type { MObjectStore } from '../mobject-store.js';
import { BodyTooLarge, readBoundedBody } from '../request-body.js';
import { customObjectTypeSchema } from '../seed.js';
import { sendRestJson } from './rest-http.js';

/**
 * The emulator's admin routes for custom objects and the simulated native CRM sync:
 *
 * - `GET /_emulator/rest/customobjects`: every type with its record count, and `nativeCrmSync`;
 * - `GET /_emulator/rest/customobjects/{apiName}`: the type and its records;
 * - `PUT /_emulator/rest/customobjects/{apiName}`: adds or replaces a type (the seed's shape; its
 *   `crmManaged: true` makes the type read-only under the simulated CRM sync);
 * - `POST /_emulator/rest/native-crm-sync` `{"enabled": true|false}`: companies read-only or not.
 */

const TYPE_PATH = /^\/_emulator\/rest\/customobjects\/([A-Za-z][A-Za-z0-9_]{0,99})$/;
const MAX_BODY = 256 * 1024;

export interface CustomObjectAdminDeps {
  customObjects: CustomObjectStore;
  mobjects: MObjectStore;
}

/** Serves the route when it is one of these; false otherwise. */
export function handleCustomObjectAdmin(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  deps: CustomObjectAdminDeps,
): boolean {
  const path = url.pathname.replace(/\/$/, '');
  const store = deps.customObjects;
  if (path === '/_emulator/rest/customobjects' && req.method === 'GET') {
    sendRestJson(res, 200, {
      nativeCrmSync: deps.mobjects.nativeCrmSync,
      types: store.types().map((type) => ({ ...type, records: store.count(type.apiName) })),
    });
    return true;
  }
  if (path === '/_emulator/rest/native-crm-sync' && req.method === 'POST') {
    void readJson(req, res, (body) => {
      const enabled = (body as { enabled?: unknown } | null)?.enabled;
      if (typeof enabled !== 'boolean')
        return sendRestJson(res, 400, { error: 'enabled: must be true or false' });
      deps.mobjects.nativeCrmSync = enabled;
      sendRestJson(res, 200, { nativeCrmSync: enabled });
    });
    return true;
  }
  const match = TYPE_PATH.exec(path);
  if (!match) return false;
  const apiName = match[1]!;
  if (req.method === 'GET') {
    const type = store.type(apiName);
    if (!type) sendRestJson(res, 404, { error: `apiName: no custom object type ${apiName}` });
    else sendRestJson(res, 200, { type, records: store.list(apiName) });
    return true;
  }
  if (req.method === 'PUT') {
    void readJson(req, res, (body) => {
      const given = typeof body === 'object' && body !== null ? body : {};
      const parsed = customObjectTypeSchema.safeParse({ apiName, ...given });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return sendRestJson(res, 400, { error: `${issue.path.join('.') || '(body)'}: ${issue.message}` });
      }
      if (parsed.data.apiName !== apiName)
        return sendRestJson(res, 400, { error: 'apiName: must be the one in the path' });
      try {
        store.setType(parsed.data);
      } catch (error) {
        if (error instanceof RangeError) return sendRestJson(res, 400, { error: error.message });
        throw error;
      }
      sendRestJson(res, 200, { type: store.type(apiName) });
    });
    return true;
  }
  sendRestJson(res, 405, { error: `${req.method} not served on ${path}` });
  return true;
}

async function readJson(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  then: (body: unknown) => void,
): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse((await readBoundedBody(req, MAX_BODY)).toString('utf8'));
  } catch (error) {
    sendRestJson(res, 400, {
      error: `body: ${error instanceof BodyTooLarge ? error.message : 'not valid JSON'}`,
    });
    return;
  }
  then(body);
}
