import type { WorkerSettings } from '../config.js';
import type { TokenCounts } from '../metrics/worker-metrics.js';
import type { MarketoCallError, RecordResult, Transport } from '../transport/contract.js';
import type { ConfigSetting } from '../transport/failure-kinds.js';
import type { LeadLedger } from '../transport/lead-ledger.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';

/**
 * What the rest of mktsync needs to know of one way to Marketo, besides the {@link Transport} contract:
 * how to build it from settings, which settings hold its credentials, and how `mktsync send` and the
 * demo present it. One entry per wire in `registry.ts`; nothing else names SOAP or REST.
 */
export interface Wire {
  readonly kind: TransportKind;
  /** For texts: `SOAP`, `REST`. */
  readonly title: string;
  /** The setting that holds this wire's endpoint (readiness names it when Marketo cannot be reached). */
  readonly endpointSetting: ConfigSetting;
  /** The settings to check when Marketo refuses the credentials (for the sender's stop reason). */
  readonly credentialSettings: string;
  /** The same, with where to find their values in Marketo's admin (for the demo's auth error). */
  readonly credentialsHint: string;
  /** The worker's transport: from its settings, asking `admission` before requests it makes on its own. */
  forWorker(settings: WorkerSettings, admission: Admission): BuiltTransport;
  /**
   * `mktsync send`'s transport to `target`: each request sent once (no resend after a network
   * failure), so that the command's timeout bounds it. A ConfigError names a missing setting.
   */
  forSend(target: SendTarget, responseTimeoutMs: number): BuiltTransport;
  /** The MARKETO_* variables that point a worker at `target` (the demo's workers read them); a ConfigError names a missing one. */
  workerEnv(target: SendTarget): Record<string, string>;
  /**
   * Where the calls go, for a person (no secret): `https://… over SOAP` for settings; an emulator's
   * endpoint for this wire.
   */
  describe(target: SendTarget): string;
  /** One `mktsync send` output line for a record (the line number is added by the caller). */
  resultLine(result: RecordResult): Record<string, unknown>;
  /** `mktsync send`'s `fault` object for a call that failed. */
  faultLine(error: MarketoCallError): Record<string, unknown>;
}

/** Where a wire's transport goes: the settings read from the environment, or an emulator. */
export type SendTarget =
  | { readonly from: 'env'; readonly env: Readonly<Record<string, string | undefined>> }
  | { readonly from: 'emulator'; readonly emulator: EmulatorTarget };

/** A started emulator and the demo credentials it accepts (none of them secrets). */
export interface EmulatorTarget {
  /** SOAP endpoint. */
  endpoint: string;
  /** REST endpoint. */
  restEndpoint: string;
  userId: string;
  encryptionKey: string;
  clientId: string;
  clientSecret: string;
}

/** How a worker admits the requests a transport makes beyond the call it was given. */
export interface Admission {
  /**
   * Takes a token of the shared rate limiter for one request named `member` (unique); resolves false
   * when the worker is stopping and the request must not start.
   */
  admit(member: string): Promise<boolean>;
  /**
   * Keeps a program's channel steps (status name → step) where the buffer's merge reads them, so that
   * the furthest program member status wins (REST reads them before sending a program's statuses).
   */
  programSteps?(programId: number, steps: Readonly<Record<string, number>>): Promise<void>;
  /** What the buffer knows of leads named by reference (their ids, whether a change waits). */
  leads?: LeadLedger;
}

/** A transport as built, with what the worker's logs and metrics read of it. */
export interface BuiltTransport {
  transport: Transport;
  /** The endpoint, for logs: it holds no secret. */
  endpoint: string;
  /** Requests to an identity service so far, for a wire that has one. */
  tokens?: () => Readonly<TokenCounts>;
}
