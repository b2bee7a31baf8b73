import { readRestSettings, type RestSettings } from '../config.js';
import { restBase, RestTransport } from '../rest/client.js';
import { safeUrl } from '../safe-url.js';
import { MarketoCallError } from '../transport/contract.js';
import type { BuiltTransport, SendTarget, Wire } from './wire.js';

/** The REST settings `target` names; the emulator's REST mode keys leads by `crmContactId`. */
function restTarget(target: SendTarget): RestSettings {
  if (target.from === 'env') return readRestSettings(target.env);
  const e = target.emulator;
  return {
    endpoint: e.restEndpoint,
    identityEndpoint: `${restBase(e.restEndpoint)}/identity`,
    clientId: e.clientId,
    clientSecret: e.clientSecret,
    foreignIdField: 'crmContactId',
  };
}

/** Options of a {@link RestTransport} from settings. */
function restOptions(s: RestSettings, responseTimeoutMs: number) {
  return {
    endpoint: s.endpoint,
    identityEndpoint: s.identityEndpoint,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    responseTimeoutMs,
    ...(s.foreignIdField ? { foreignIdField: s.foreignIdField } : {}),
    ...(s.partitionName ? { partitionName: s.partitionName } : {}),
  };
}

/** Marketo's REST API: the REST endpoint, a LaunchPoint client id and secret, tokens from Identity. */
export const REST_WIRE: Wire = {
  kind: 'rest',
  title: 'REST',
  endpointSetting: 'MARKETO_REST_ENDPOINT',
  credentialSettings: 'MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET and the API user’s permissions',
  credentialsHint:
    'check MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET against the custom service of your instance (Admin → Integration → LaunchPoint → View Details) and its API user’s permissions.',

  /**
   * Every request that reaches Marketo's API counts against its rate limit and daily quota: a Describe
   * (made inside a batch's call, on the transport's own schedule) and every request of a call after its
   * first (a batch cut into several bodies under 1 MB) first take a token, as a call does. Token
   * requests go to the Identity service, which counts against neither.
   */
  forWorker(settings, admission): BuiltTransport {
    const rest = settings.rest;
    if (!rest) throw new TypeError('the REST transport needs its settings (MARKETO_REST_ENDPOINT, …)');
    let describes = 0;
    let requests = 0;
    let lookups = 0;
    const transport = new RestTransport({
      ...restOptions(rest, settings.responseTimeoutMs),
      admitDescribe: async () => {
        const member = `describe:${process.pid}:${++describes}:${Date.now()}`;
        // After SIGTERM no call starts, a Describe included: the records it was for were not sent.
        if (!(await admission.admit(member)))
          throw new MarketoCallError('not sent: the worker is stopping', {
            category: 'transient',
            code: 'stopping',
            applied: 'not-sent',
          });
      },
      admitRequest: () => admission.admit(`request:${process.pid}:${++requests}:${Date.now()}`),
      admitLookup: () => admission.admit(`lookup:${process.pid}:${++lookups}:${Date.now()}`),
      ...(admission.programSteps ? { onProgramSteps: admission.programSteps } : {}),
      ...(admission.leads ? { leads: admission.leads } : {}),
    });
    return { transport, endpoint: transport.endpoint, tokens: () => transport.tokenStats };
  },

  forSend(target, responseTimeoutMs): BuiltTransport {
    const transport = new RestTransport(restOptions(restTarget(target), responseTimeoutMs));
    return { transport, endpoint: transport.endpoint, tokens: () => transport.tokenStats };
  },

  workerEnv(target) {
    const rest = restTarget(target);
    return {
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: rest.endpoint,
      ...(target.from === 'env' ? { MARKETO_IDENTITY_ENDPOINT: rest.identityEndpoint } : {}),
      MARKETO_CLIENT_ID: rest.clientId,
      MARKETO_CLIENT_SECRET: rest.clientSecret,
      ...(target.from === 'env' && rest.foreignIdField
        ? { MARKETO_REST_FOREIGN_ID_FIELD: rest.foreignIdField }
        : {}),
      ...(rest.partitionName ? { MARKETO_REST_PARTITION: rest.partitionName } : {}),
    };
  },

  describe(target) {
    if (target.from === 'emulator') return `${target.emulator.restEndpoint}, REST mode`;
    const rest = restTarget(target);
    return `${safeUrl(rest.endpoint)} over REST (tokens from ${safeUrl(rest.identityEndpoint)})`;
  },

  resultLine(r) {
    return {
      status: r.status,
      id: r.id,
      code: r.code,
      error: r.message,
      ...(r.field ? { field: r.field } : {}),
    };
  },

  faultLine(error) {
    return { category: error.category, code: error.code, applied: error.applied, message: error.message };
  },
};
