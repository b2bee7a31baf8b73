import { readTransportKind } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { wireOf, type SendTarget } from '../wire/registry.js';
import {
  isTransportKind,
  TRANSPORT_KIND_CHOICES,
  type TransportKind,
} from '../vocabulary/transport-kinds.js';

/** The demo credentials the built-in emulator accepts (`mktsync emulator`'s defaults; not secrets). */
export interface DemoCredentials {
  userId: string;
  encryptionKey: string;
  clientId: string;
  clientSecret: string;
}

/** Where the demo sends: the worker environment for it, and what to tell the user. */
export interface DemoMarketo {
  transport: TransportKind;
  /** The MARKETO_* variables of the workers' settings. */
  env: Record<string, string>;
  /** The started emulator, when the demo runs against its own. */
  emulator?: Emulator;
  /** One line saying where the calls go. */
  description: string;
}

/**
 * The transport `--transport` names; without it, the one the environment configures for `--marketo`
 * (MARKETO_TRANSPORT, else the endpoint that is set) and SOAP against the built-in emulator.
 */
export function demoTransport(
  flag: string | undefined,
  marketo: boolean,
  env: NodeJS.ProcessEnv,
): TransportKind | { error: string } {
  if (flag === undefined) return marketo ? readTransportKind(env) : 'soap';
  if (isTransportKind(flag)) return flag;
  return { error: `--transport must be ${TRANSPORT_KIND_CHOICES}, got ${JSON.stringify(flag.slice(0, 20))}` };
}

/** The real Marketo the environment names, over `transport`; a ConfigError names what is missing. */
export function realMarketo(transport: TransportKind, env: NodeJS.ProcessEnv): DemoMarketo {
  const wire = wireOf(transport);
  const target: SendTarget = { from: 'env', env };
  return { transport, env: wire.workerEnv(target), description: `sending to ${wire.describe(target)}` };
}

/** Starts the built-in emulator, serving SOAP and REST with the demo credentials. */
export async function demoEmulator(
  transport: TransportKind,
  credentials: DemoCredentials,
  latency: { medianMs: number; p99Ms: number } | undefined,
): Promise<DemoMarketo & { emulator: Emulator }> {
  const emulator = await startEmulator({
    userId: credentials.userId,
    encryptionKey: credentials.encryptionKey,
    rest: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    ...(latency ? { faults: { latency } } : {}),
  });
  const limits = `100 calls/20 s, 10 at once${latency ? `, latency median ${latency.medianMs} ms, p99 ${latency.p99Ms / 1000} s` : ''}`;
  const target: SendTarget = {
    from: 'emulator',
    emulator: { endpoint: emulator.endpoint, restEndpoint: emulator.restEndpoint, ...credentials },
  };
  const wire = wireOf(transport);
  return {
    transport,
    emulator,
    env: wire.workerEnv(target),
    description: `started the Marketo emulator at ${wire.describe(target)} (${limits})`,
  };
}
