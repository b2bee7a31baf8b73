import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorConfigInput } from './config.js';
import { createEmulatorCore, type Emulator, type EmulatorCore } from './server.js';

/** Where and which instances to emulate on one port. */
export interface MultiEmulatorOptions {
  /** Each instance's configuration (limits, credentials, faults, seed): its own state, apart from the others. */
  instances: Readonly<Record<string, EmulatorConfigInput>>;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue 127.0.0.1 */
  host?: string;
}

/** One emulated instance of a {@link MultiEmulator}: its URLs carry the `/i/<name>` path. */
export type EmulatedInstance = Omit<Emulator, 'close' | 'port'>;

/** Several emulated Marketo instances on one port, each under `/i/<name>/…` (REST, identity, SOAP, admin). */
export interface MultiEmulator {
  readonly url: string;
  readonly port: number;
  readonly names: readonly string[];
  /** The instance `name`; a TypeError naming it when there is none. */
  instance(name: string): EmulatedInstance;
  close(): Promise<void>;
}

const INSTANCE_PATH = /^\/i\/([A-Za-z0-9_.-]{1,64})(\/.*)$/;

/**
 * Starts one HTTP server emulating every instance of `options.instances`: instance `a` answers REST at
 * `<url>/i/a/rest/…`, tokens at `<url>/i/a/identity/…`, SOAP at `<url>/i/a/soap/mktows/2_3` and its admin
 * API at `<url>/i/a/_emulator/…`, with its own limits, credentials, stores and call log.
 */
export async function startMultiEmulator(options: MultiEmulatorOptions): Promise<MultiEmulator> {
  const cores = new Map<string, EmulatorCore>();
  for (const [name, input] of Object.entries(options.instances)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
      throw new TypeError(`instances: ${JSON.stringify(name.slice(0, 64))} is not an instance name`);
    cores.set(name, createEmulatorCore(input));
  }
  let base = '';
  const server = http.createServer((req, res) => {
    const match = INSTANCE_PATH.exec((req.url ?? '/').split('?')[0]!);
    const core = match ? cores.get(match[1]!) : undefined;
    if (!match || !core) {
      const known = [...cores.keys()].join(', ');
      const body = JSON.stringify({
        error: `no instance at ${(req.url ?? '/').slice(0, 100)}; paths are /i/<name>/… with name one of ${known}`,
      });
      res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // The instance sees the path as a single emulator would.
    req.url = req.url!.slice(`/i/${match[1]}`.length);
    core.handle(req, res, `${base}/i/${match[1]}`);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  base = `http://${host}:${address.port}`;
  return {
    url: base,
    port: address.port,
    names: [...cores.keys()],
    instance(name) {
      const core = cores.get(name);
      if (!core) throw new TypeError(`no emulated instance ${JSON.stringify(name)}`);
      const url = `${base}/i/${name}`;
      const { handle: _handle, ...rest } = core;
      return {
        ...rest,
        url,
        endpoint: `${url}/soap/mktows/2_3`,
        restEndpoint: url,
        identityEndpoint: `${url}/identity`,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
