import type { RedisBuffer } from '../buffer/buffer.js';
import { requireMarketo, type WorkerSettings } from '../config.js';
import type { Logger } from '../log.js';
import { restCallAttempt } from '../metrics/call-attempt.js';
import type { TokenCounts, WorkerMetrics } from '../metrics/worker-metrics.js';
import { RestTransport } from '../rest/client.js';
import { MarketoSoapClient } from '../soap/client.js';
import { SoapTransport } from '../soap/soap-transport.js';
import { MarketoCallError, type Transport } from '../transport/contract.js';
import { quotaDay } from './backoff.js';
import { takeRateToken } from './sender.js';

/** A worker's way to Marketo, and the endpoint its logs may show (it holds no secret). */
export interface WorkerTransport {
  transport: Transport;
  endpoint: string;
  /** REST: the transport's requests to the Identity service so far. */
  tokens?: () => Readonly<TokenCounts>;
}

/**
 * Builds the transport `settings.transport` names. Every request that reaches Marketo's API is counted
 * against the daily quota; a REST Describe request (made inside a batch's call, on the transport's
 * own schedule) first takes a token of the shared rate limiter, as a call does, and so does every
 * request of a call after its first (a batch cut into several bodies under 1 MB). Token requests go
 * to the Identity service, which counts against neither.
 */
export function buildTransport(
  settings: WorkerSettings,
  buffer: RedisBuffer,
  metrics: WorkerMetrics,
  log: Logger,
  stopping: AbortSignal,
): WorkerTransport {
  const count = (success: boolean): void => {
    buffer.recordCall(quotaDay(Date.now()), success).catch((error: unknown) => {
      log.warn('could not count a call against the quota', { error: (error as Error).message });
    });
  };
  if (settings.transport === 'rest') {
    const rest = settings.rest;
    if (!rest) throw new TypeError('the REST transport needs its settings (MARKETO_REST_ENDPOINT, …)');
    let describes = 0;
    let requests = 0;
    const transport = new RestTransport({
      endpoint: rest.endpoint,
      identityEndpoint: rest.identityEndpoint,
      clientId: rest.clientId,
      clientSecret: rest.clientSecret,
      responseTimeoutMs: settings.responseTimeoutMs,
      ...(rest.foreignIdField ? { foreignIdField: rest.foreignIdField } : {}),
      ...(rest.partitionName ? { partitionName: rest.partitionName } : {}),
      admitDescribe: async () => {
        const member = `describe:${process.pid}:${++describes}:${Date.now()}`;
        // After SIGTERM no call starts, a Describe included: the records it was for were not sent.
        if (!(await takeRateToken(buffer, settings, member, stopping)))
          throw new MarketoCallError('not sent: the worker is stopping', {
            category: 'transient',
            code: 'stopping',
            applied: 'not-sent',
          });
      },
      // A call cut into several bodies under 1 MB: each further request counts with Marketo.
      admitRequest: () =>
        takeRateToken(buffer, settings, `request:${process.pid}:${++requests}:${Date.now()}`, stopping),
    });
    transport.onAttempt((report) => {
      metrics.onCall(restCallAttempt(report));
      count(report.error === undefined);
    });
    metrics.trackTokens(() => transport.tokenStats);
    return { transport, endpoint: transport.endpoint, tokens: () => transport.tokenStats };
  }
  const marketo = requireMarketo(settings.marketo);
  const client = new MarketoSoapClient({ ...marketo, responseTimeoutMs: settings.responseTimeoutMs });
  client.onAttempt((report) => {
    metrics.onAttempt(report);
    count(report.error === undefined);
  });
  return { transport: new SoapTransport(client), endpoint: client.endpoint };
}
