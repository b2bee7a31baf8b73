import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseW3cTimestamp, signRequest } from '../soap/signature.js';
import { CallLog } from './call-log.js';
import {
  EmulatorConfigError,
  parseEmulatorConfig,
  patchEmulatorConfig,
  type EmulatorConfig,
  type EmulatorConfigInput,
} from './config.js';
import { EmulatorFault } from './fault.js';
import {
  applyRecordRules,
  chooseLostAnswer,
  drawLatency,
  Random,
  takeLateApply,
  takeMischief,
} from './fault-injection.js';
import { ActivityStore } from './activity-store.js';
import { LeadStore } from './lead-store.js';
import { Limits } from './limits.js';
import { MObjectStore } from './mobject-store.js';
import { MembershipStore } from './membership-store.js';
import { CustomObjectStore } from './custom-object-store.js';
import { renderFault, renderLeadResults, renderMObjectResults } from './render.js';
import { readRequest, type ReceivedAuth, type ReceivedRequest } from './request-reader.js';
import { dropUnread, holdBeforeApplying, loseAnswer, noteClientGone } from './lost-answer.js';
import { createRestMode } from './rest/rest-mode.js';
import { BodyTooLarge, readBoundedBody } from './request-body.js';
import { DEFAULT_SEED, STANDARD_LEAD_FIELDS, type Seed } from './seed.js';
import { renderWsdl } from './wsdl.js';

/** Where and how to start an emulator. */
export interface EmulatorOptions extends EmulatorConfigInput {
  /**
   * TCP port; 0 picks a free one.
   * @defaultValue 0
   */
  port?: number;
  /**
   * Interface to listen on.
   * @defaultValue 127.0.0.1
   */
  host?: string;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The SOAP endpoint for clients: `<url>/soap/mktows/2_3`. */
  readonly endpoint: string;
  /** The REST endpoint (Marketo's `https://<munchkin>.mktorest.com`): paths `/rest/v1/…`, `/rest/asset/v1/…`. */
  readonly restEndpoint: string;
  /** The REST identity URL: `<url>/identity` (tokens at `/identity/oauth/token`). */
  readonly identityEndpoint: string;
  /** REST: makes the current access token expire now (its next use answers 602, then 601). */
  expireRestToken(): boolean;
  readonly port: number;
  readonly leads: LeadStore;
  readonly mobjects: MObjectStore;
  /** Static lists, channels and program members. */
  readonly memberships: MembershipStore;
  /** The custom activity log and the activity types (REST only). */
  readonly activities: ActivityStore;
  /** REST custom object types and records. */
  readonly customObjects: CustomObjectStore;
  readonly calls: CallLog;
  /** The configuration in force. */
  config(): EmulatorConfig;
  /** Applies a partial configuration (as `POST /_emulator/config`). */
  configure(patch: unknown): EmulatorConfig;
  /** Forgets leads, objects, calls and limit counters; reloads the seed. */
  reset(): void;
  close(): Promise<void>;
}

const SOAP_PATH = /^\/soap\/mktows\/([A-Za-z0-9_.]+)\/?$/;
const MAX_SOAP_BYTES = 32 * 1024 * 1024;
const MAX_JSON_BYTES = 4 * 1024 * 1024;
const SAFE_HOST = /^[A-Za-z0-9.\-:[\]]+$/;

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendXml(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function redacted(config: EmulatorConfig): unknown {
  const rest =
    config.rest.clientSecret === undefined ? config.rest : { ...config.rest, clientSecret: '(hidden)' };
  return { ...config, encryptionKey: '(hidden)', rest };
}

/** An emulator's state and request handler, not yet listening (several share a port: multi-emulator.ts). */
export type EmulatorCore = Omit<
  Emulator,
  'url' | 'endpoint' | 'restEndpoint' | 'identityEndpoint' | 'port' | 'close'
> & {
  /** Serves one request; `origin` is the base URL clients reach this emulator at (for the WSDL). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, origin: string): void;
};

/** Starts a Marketo SOAP emulator; see docs/emulator.md for what it implements. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const { port = 0, host = '127.0.0.1', ...input } = options;
  const core = createEmulatorCore(input);
  const server = http.createServer((req, res) => core.handle(req, res, emulatorUrl));
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost =
    address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address === '0.0.0.0'
        ? '127.0.0.1'
        : address.address;
  const emulatorUrl = `http://${shownHost}:${address.port}`;

  return {
    ...core,
    url: emulatorUrl,
    endpoint: `${emulatorUrl}/soap/mktows/2_3`,
    restEndpoint: emulatorUrl,
    identityEndpoint: `${emulatorUrl}/identity`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The emulator's stores, limits and request handler for `input`, without a server. */
export function createEmulatorCore(input: EmulatorConfigInput): EmulatorCore {
  let config = parseEmulatorConfig(input);
  let random = new Random(config.randomSeed);
  let seed: Seed = config.seed ?? DEFAULT_SEED;
  let knownFields = new Set([...STANDARD_LEAD_FIELDS, ...seed.customLeadFields]);
  const leads = new LeadStore();
  const mobjects = new MObjectStore(leads);
  mobjects.loadSeed(seed);
  const memberships = new MembershipStore();
  memberships.loadSeed(seed);
  const activities = new ActivityStore();
  activities.loadTypes(seed.activityTypes);
  const customObjects = new CustomObjectStore();
  customObjects.loadTypes(seed.customObjects);
  const limits = new Limits(() => config);
  const calls = new CallLog(() => config.callLogSize);
  let transientCounter = 0;
  const restMode = createRestMode({
    config: () => config,
    random: () => random,
    customLeadFields: () => seed.customLeadFields,
    leads,
    mobjects,
    memberships,
    activities,
    customObjects,
    limits,
    calls,
  });

  const loadSeed = (next: Seed): void => {
    seed = next;
    knownFields = new Set([...STANDARD_LEAD_FIELDS, ...seed.customLeadFields]);
    mobjects.loadSeed(seed);
    memberships.loadSeed(seed);
    activities.loadTypes(seed.activityTypes);
    customObjects.loadTypes(seed.customObjects);
  };

  const configure = (patch: unknown): EmulatorConfig => {
    const next = patchEmulatorConfig(config, patch);
    if (next.randomSeed !== config.randomSeed) random = new Random(next.randomSeed);
    const seedChanged = (patch as { seed?: unknown }).seed !== undefined;
    config = next;
    if (seedChanged && next.seed) loadSeed(next.seed);
    return config;
  };

  const reset = (): void => {
    leads.clear();
    mobjects.clearObjects();
    memberships.clearMembers();
    activities.clear();
    customObjects.clearRecords();
    loadSeed(config.seed ?? DEFAULT_SEED);
    calls.clear();
    limits.reset();
    random = new Random(config.randomSeed);
  };

  const checkAuth = (auth: ReceivedAuth): void => {
    const { mktowsUserId, requestSignature, requestTimestamp } = auth;
    if (mktowsUserId === undefined || requestSignature === undefined || requestTimestamp === undefined) {
      throw new EmulatorFault(
        20014,
        'Authentication failed: AuthenticationHeader with mktowsUserId, requestSignature and requestTimestamp is required',
      );
    }
    const expected = Buffer.from(signRequest(config.encryptionKey, requestTimestamp, config.userId));
    const given = Buffer.from(requestSignature.toLowerCase());
    if (
      mktowsUserId !== config.userId ||
      expected.length !== given.length ||
      !timingSafeEqual(expected, given)
    ) {
      throw new EmulatorFault(20014, 'Authentication failed');
    }
    if (config.timestampWindowMs !== null) {
      const at = parseW3cTimestamp(requestTimestamp);
      if (Number.isNaN(at) || Math.abs(Date.now() - at) > config.timestampWindowMs) {
        throw new EmulatorFault(20016, 'Request expired');
      }
    }
  };

  const execute = (request: ReceivedRequest): string => {
    if (request.operation === 'syncMultipleLeads') {
      if (request.leads.length > config.batch.maxLeads && config.batch.oversizeLeads === 'fault') {
        throw new EmulatorFault(
          20110,
          `Bad parameter: ${request.leads.length} leads, at most ${config.batch.maxLeads} per call`,
        );
      }
      const verdict = applyRecordRules(config.faults.recordRules, request.leads, true);
      if (verdict.fault) throw new EmulatorFault(verdict.fault.code, verdict.fault.detail);
      const results = leads.sync(request.leads, {
        dedupEnabled: request.dedupEnabled,
        config,
        knownFields,
        injectedFailures: verdict.failures,
      });
      return renderLeadResults(results);
    }
    if (request.mobjects.length > config.batch.maxMObjects && config.batch.oversizeMObjects === 'fault') {
      throw new EmulatorFault(
        20110,
        `Bad parameter: ${request.mobjects.length} objects, at most ${config.batch.maxMObjects} per call`,
      );
    }
    const verdict = applyRecordRules(config.faults.recordRules, request.mobjects, false);
    if (verdict.fault) throw new EmulatorFault(verdict.fault.code, verdict.fault.detail);
    return renderMObjectResults(mobjects.sync(request.mobjects, request.mobjectOperation, verdict.failures));
  };

  const handleSoap = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const entry = calls.start('unknown');
    noteClientGone(entry, res);
    const mischief = takeMischief(config.faults, random, entry.seq);
    if (dropUnread(mischief, { calls, entry, req })) return;
    let raw: Buffer;
    try {
      raw = await readBoundedBody(req, MAX_SOAP_BYTES);
    } catch (error) {
      calls.finish(entry, 'rejected');
      if (error instanceof BodyTooLarge)
        sendXml(res, 500, renderFault(20012, `Request not understood: ${error.message}`));
      else req.socket.destroy();
      return;
    }
    if (typeof mischief === 'number') {
      calls.finish(entry, `http-${mischief}`);
      res.writeHead(mischief, { 'Content-Type': 'text/html' });
      res.end(
        mischief === 502
          ? '<html><body>502 Bad Gateway</body></html>'
          : '<html><body>503 Service Unavailable</body></html>',
      );
      return;
    }
    let release: (() => void) | undefined;
    try {
      let xml: string;
      try {
        xml = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        throw new EmulatorFault(20018, 'Bad encoding: the request is not valid UTF-8');
      }
      const request = readRequest(xml);
      entry.operation = request.operation;
      if (request.operation === 'syncMultipleLeads') {
        entry.records = request.leads;
        entry.dedupEnabled = request.dedupEnabled;
      } else {
        entry.records = request.mobjects;
        entry.mobjectOperation = request.mobjectOperation;
      }
      entry.recordCount = entry.records.length;
      checkAuth(request.auth);
      const burst = config.faults.throttleBurst;
      if (burst && burst.calls > 0) {
        burst.calls--;
        throw new EmulatorFault(burst.code);
      }
      const admission = limits.admit();
      if (!admission.ok) throw new EmulatorFault(admission.code, admission.detail);
      release = admission.release;
      const max =
        request.operation === 'syncMultipleLeads' ? config.batch.maxLeads : config.batch.maxMObjects;
      const oversize = Math.max(0, entry.recordCount - max) * config.batch.oversizeLatencyMsPerRecord;
      const latency = drawLatency(config.faults.latency, random) + oversize;
      if (latency > 0) await sleep(latency);
      // A forced transient fault counts only when it is answered, not when an earlier fault pre-empts it.
      const forced = config.faults.failNext;
      if (forced && forced.calls > 0 && (forced.effect === 10001 || forced.effect === 20011)) {
        forced.calls--;
        throw new EmulatorFault(forced.effect);
      }
      if (random.chance(config.faults.transientFaultRate)) {
        throw new EmulatorFault(transientCounter++ % 2 === 0 ? 10001 : 20011);
      }
      const held = takeLateApply(config.faults);
      // Applied after the hold whether or not the client is still there (it may have given up).
      if (held) await holdBeforeApplying(config.faults.lateApplyMs);
      const answer = execute(request);
      if (held) {
        calls.finish(entry, 'late-applied');
        if (!res.destroyed) sendXml(res, 200, answer);
        return;
      }
      const lost = chooseLostAnswer(config.faults, random, request.operation);
      if (lost === undefined) {
        calls.finish(entry, 'ok');
        sendXml(res, 200, answer);
      } else
        loseAnswer(
          lost,
          { calls, entry, req, res },
          { afterMs: config.faults.lateAnswerMs, answer: () => sendXml(res, 200, answer) },
        );
    } catch (error) {
      if (!(error instanceof EmulatorFault)) throw error;
      calls.finish(entry, 'fault', error.code);
      sendXml(res, 500, renderFault(error.code, error.detail));
    } finally {
      release?.();
    }
  };

  const handleAdmin = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> => {
    const route = `${req.method} ${url.pathname.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET /_emulator/leads':
        return sendJson(res, 200, leads.all());
      case 'GET /_emulator/mobjects': {
        const type = url.searchParams.get('type') ?? '';
        // A custom object type's API name lists its records too (as GET /_emulator/rest/customobjects/{apiName}).
        const list = mobjects.list(type) ?? (customObjects.type(type) ? customObjects.list(type) : undefined);
        if (!list) {
          return sendJson(res, 400, {
            error: `type: must be Program, Opportunity, OpportunityPersonRole, Company or a custom object type's API name, got ${JSON.stringify(type.slice(0, 100))}`,
          });
        }
        return sendJson(res, 200, list);
      }
      case 'GET /_emulator/memberships':
        return sendJson(res, 200, memberships.view());
      case 'GET /_emulator/activities':
        return sendJson(res, 200, activities.all());
      case 'GET /_emulator/activity-types':
        return sendJson(res, 200, activities.types());
      case 'GET /_emulator/calls': {
        const since = Number(url.searchParams.get('since') ?? '0');
        if (!Number.isInteger(since) || since < 0)
          return sendJson(res, 400, { error: 'since: must be a whole number' });
        return sendJson(res, 200, calls.since(since));
      }
      case 'GET /_emulator/stats':
        return sendJson(res, 200, {
          calls: calls.total,
          callsByTransport: calls.totalsByTransport,
          leads: leads.size,
          activities: activities.size,
          ...limits.usage(),
          rest: restMode.usage(),
        });
      case 'POST /_emulator/reset':
        reset();
        return sendJson(res, 200, { reset: true });
      case 'GET /_emulator/config':
        return sendJson(res, 200, redacted(config));
      case 'POST /_emulator/config': {
        let patch: unknown;
        try {
          patch = JSON.parse((await readBoundedBody(req, MAX_JSON_BYTES)).toString('utf8'));
        } catch (error) {
          return sendJson(res, 400, {
            error: `body: ${error instanceof BodyTooLarge ? error.message : 'not valid JSON'}`,
          });
        }
        try {
          return sendJson(res, 200, redacted(configure(patch)));
        } catch (error) {
          if (error instanceof EmulatorConfigError) return sendJson(res, 400, { error: error.message });
          throw error;
        }
      }
      default:
        return sendJson(res, 404, { error: `no route ${route}` });
    }
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, emulatorUrl: string): void => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const soap = SOAP_PATH.exec(url.pathname);
    const run = async (): Promise<void> => {
      if (soap && req.method === 'POST') return handleSoap(req, res);
      if (
        soap &&
        req.method === 'GET' &&
        [...url.searchParams.keys()].some((k) => k.toLowerCase() === 'wsdl')
      ) {
        const hostHeader = req.headers.host ?? '';
        const origin = SAFE_HOST.test(hostHeader) ? `http://${hostHeader}` : emulatorUrl;
        return sendXml(res, 200, renderWsdl(`${origin}${url.pathname}`));
      }
      if (url.pathname.startsWith('/rest/') || url.pathname.startsWith('/identity/'))
        return restMode.handle(req, res, url);
      if (url.pathname.startsWith('/_emulator/rest/') && restMode.handleAdmin(req, res, url)) return;
      if (url.pathname.startsWith('/_emulator/')) return handleAdmin(req, res, url);
      if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
      return sendJson(res, 404, {
        error: `no route ${req.method} ${url.pathname}; SOAP is served at POST /soap/mktows/<version>`,
      });
    };
    run().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `emulator error: ${(error as Error).message}` });
      else res.destroy();
    });
  };

  return {
    handle,
    expireRestToken: () => restMode.expireToken(),
    leads,
    mobjects,
    memberships,
    activities,
    customObjects,
    calls,
    config: () => config,
    configure,
    reset,
  };
}
