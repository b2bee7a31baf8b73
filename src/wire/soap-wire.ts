import { readMarketoSettings, requireMarketo } from '../config.js';
import { safeUrl } from '../safe-url.js';
import { MarketoSoapClient } from '../soap/client.js';
import { MarketoFault, SoapError } from '../soap/faults.js';
import { SoapTransport } from '../soap/soap-transport.js';
import type { BuiltTransport, SendTarget, Wire } from './wire.js';

/** The SOAP endpoint and credentials `target` names. */
function soapTarget(target: SendTarget): Required<ReturnType<typeof readMarketoSettings>> {
  if (target.from === 'env') return requireMarketo(readMarketoSettings(target.env));
  const { endpoint, userId, encryptionKey } = target.emulator;
  return { endpoint, userId, encryptionKey };
}

/** Marketo's SOAP API (mktows): the SOAP endpoint, a user id and an encryption key. */
export const SOAP_WIRE: Wire = {
  kind: 'soap',
  title: 'SOAP',
  endpointSetting: 'MARKETO_SOAP_ENDPOINT',
  credentialSettings: 'MARKETO_USER_ID and MARKETO_ENCRYPTION_KEY',
  credentialsHint:
    'check MARKETO_USER_ID and MARKETO_ENCRYPTION_KEY against the SOAP API settings of your instance (Admin → Web Services).',

  forWorker(settings, _admission): BuiltTransport {
    // SOAP makes no request of its own beyond the calls it is given: nothing to admit.
    const marketo = requireMarketo(settings.marketo);
    // A request that left is resent by the retry policy alone, after MKTSYNC_ABANDONED_APPLY_MS.
    const client = new MarketoSoapClient({
      ...marketo,
      responseTimeoutMs: settings.responseTimeoutMs,
      retryAfterSent: false,
    });
    return { transport: new SoapTransport(client), endpoint: client.endpoint };
  },

  forSend(target, responseTimeoutMs): BuiltTransport {
    // One HTTP attempt, so that --timeout bounds the command: a debugging call shows what one call did
    // (a stale signature, 20016, is still signed again at once).
    const client = new MarketoSoapClient({ ...soapTarget(target), responseTimeoutMs, transportRetries: 0 });
    return { transport: new SoapTransport(client), endpoint: client.endpoint };
  },

  workerEnv(target) {
    const m = soapTarget(target);
    return {
      MARKETO_SOAP_ENDPOINT: m.endpoint,
      MARKETO_USER_ID: m.userId,
      MARKETO_ENCRYPTION_KEY: m.encryptionKey,
    };
  },

  describe(target) {
    // The emulator's endpoint is ours and carries nothing to hide; settings may carry userinfo.
    if (target.from === 'emulator') return target.emulator.endpoint;
    return `${safeUrl(soapTarget(target).endpoint)} over SOAP`;
  },

  // `mktsync send` has printed SOAP results this way since its first release: Marketo's numeric ids.
  resultLine(result) {
    return { status: result.status, id: result.id === null ? 0 : Number(result.id), error: result.message };
  },

  faultLine(error) {
    const cause = error.cause;
    if (!(cause instanceof SoapError)) return { category: error.category, message: error.message };
    const fault: Record<string, unknown> = { category: cause.category, message: cause.message };
    if (cause instanceof MarketoFault) fault.code = cause.code ?? null;
    return fault;
  },
};
