import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallLog } from '../call-log.js';
import type { EmulatorConfig } from '../config.js';
import {
  chooseLostAnswer,
  drawLatency,
  takeLateApply,
  takeMischief,
  type Random,
} from '../fault-injection.js';
import type { ActivityStore } from '../activity-store.js';
import type { LeadStore } from '../lead-store.js';
import { dropUnread, holdBeforeApplying, loseAnswer, noteClientGone } from '../lost-answer.js';
import type { Limits } from '../limits.js';
import type { MObjectStore } from '../mobject-store.js';
import type { MembershipStore } from '../membership-store.js';
import type { CustomObjectStore } from '../custom-object-store.js';
import { handleCustomObjectAdmin } from './custom-object-admin.js';
import { handleIdentity } from './identity.js';
import { LeadFieldCatalogue } from './lead-fields.js';
import { failureBody, RestCallError, UNCOUNTED_CODES } from './rest-answer.js';
import { executeRest, readRestRequest } from './rest-dispatch.js';
import { BodyTooLarge, readBoundedBody } from '../request-body.js';
import { bearerToken, sendGatewayPage, sendRestJson } from './rest-http.js';
import { matchRestRoute } from './rest-routes.js';
import { TokenStore } from './token-store.js';

/**
 * The emulator's REST mode: identity, Sync Leads, Sync Opportunities and Roles, the Describes and
 * Update Program, on the same stores, limits and call log as SOAP. A call passes, in order: transport
 * faults (reset, hang), the body size (HTTP 413), HTTP 502/503, the token (600/601/602), REST's forced
 * codes, throttle bursts (606/615), the limits (606, 615, 607), the request (605, 610, 612, 609, 1003…),
 * latency, transient codes (604/608/611/713), and is then applied; `apply-then-*` loses the answer of an
 * applied call. Codes Marketo does not count (601, 602, 604, 605, 608, 611) give the admission back.
 */

export interface RestModeDeps {
  config: () => EmulatorConfig;
  random: () => Random;
  customLeadFields: () => readonly string[];
  leads: LeadStore;
  mobjects: MObjectStore;
  memberships: MembershipStore;
  activities: ActivityStore;
  customObjects: CustomObjectStore;
  limits: Limits;
  calls: CallLog;
}

export interface RestMode {
  /** Serves `/identity/…` and `/rest/…`. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  /** Serves `/_emulator/rest/…`; false when the path is not one of its routes. */
  handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean;
  /** Makes the current token expire now: its next use answers 602, then 601. */
  expireToken(): boolean;
  usage(): { tokenRequests: number; tokensIssued: number; tokenValid: boolean };
}

/** Marketo's REST codes for the limit faults the shared limits machinery names in SOAP terms. */
function limitCode(soapCode: number): number {
  if (soapCode === 20023) return 606;
  if (soapCode === 20024) return 615;
  return 607;
}

function limitMessage(code: number, config: EmulatorConfig): string {
  if (code === 606)
    return `Max rate limit '${config.limits.rateCalls}' exceeded with in '${config.limits.rateWindowMs / 1000}' secs`;
  if (code === 615) return 'Concurrent access limit reached';
  return 'Daily quota reached';
}

export function createRestMode(deps: RestModeDeps): RestMode {
  const { leads, mobjects, memberships, limits, calls } = deps;
  const tokens = new TokenStore();
  let transientCounter = 0;
  let catalogue = new LeadFieldCatalogue(deps.customLeadFields());
  let catalogueFor = deps.customLeadFields();
  const fields = (): LeadFieldCatalogue => {
    const current = deps.customLeadFields();
    if (current !== catalogueFor) {
      catalogue = new LeadFieldCatalogue(current);
      catalogueFor = current;
    }
    return catalogue;
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const config = deps.config();
    const rest = config.rest;
    const matched = matchRestRoute(req.method ?? 'GET', url.pathname, url.searchParams.get('_method'));
    const entry = calls.start(typeof matched === 'string' ? 'unknown' : matched.operation, 'rest');
    if (typeof matched !== 'string' && matched.programId !== undefined) entry.programId = matched.programId;
    if (typeof matched !== 'string' && matched.listId !== undefined) entry.listId = matched.listId;
    if (typeof matched !== 'string' && matched.apiName !== undefined) entry.apiName = matched.apiName;
    noteClientGone(entry, res);

    const mischief = takeMischief(config.faults, deps.random(), entry.seq);
    if (dropUnread(mischief, { calls, entry, req })) return;
    let raw: Buffer;
    try {
      raw = await readBoundedBody(req, rest.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) {
        calls.finish(entry, 'rejected');
        req.socket.destroy();
        return;
      }
      entry.httpStatus = 413;
      calls.finish(entry, 'http-413');
      sendGatewayPage(res, 413);
      return;
    }
    if (mischief === 502 || mischief === 503) {
      entry.httpStatus = mischief;
      calls.finish(entry, `http-${mischief}`);
      sendGatewayPage(res, mischief);
      return;
    }

    let admission: ReturnType<Limits['admit']> | undefined;
    try {
      const queryToken = rest.accessTokenQuery === 'accept' ? url.searchParams.get('access_token') : null;
      const check = tokens.check(bearerToken(req) ?? queryToken ?? undefined);
      if (!check.ok) throw new RestCallError(check.code);
      const forced = rest.faults.failNext;
      if (forced && forced.calls > 0) {
        forced.calls--;
        throw new RestCallError(
          forced.code,
          forced.code === 606 || forced.code === 615 || forced.code === 607
            ? limitMessage(forced.code, config)
            : undefined,
        );
      }
      const burst = config.faults.throttleBurst;
      if (burst && burst.calls > 0) {
        burst.calls--;
        const code = limitCode(burst.code);
        throw new RestCallError(code, limitMessage(code, config));
      }
      admission = limits.admit();
      if (!admission.ok) {
        const code = limitCode(admission.code);
        throw new RestCallError(code, limitMessage(code, config));
      }
      if (matched === 'unknown')
        throw new RestCallError(
          610,
          `Requested resource not found: ${req.method} ${url.pathname.slice(0, 200)}`,
        );
      if (matched === 'method')
        throw new RestCallError(
          605,
          `HTTP Method not supported: ${req.method} ${url.pathname.slice(0, 200)}`,
        );
      const request = readRestRequest(matched, req, raw, entry, url);

      const latency = drawLatency(config.faults.latency, deps.random());
      if (latency > 0) await sleep(latency);
      const forcedTransient = config.faults.failNext;
      if (
        forcedTransient &&
        forcedTransient.calls > 0 &&
        (forcedTransient.effect === 10001 || forcedTransient.effect === 20011)
      ) {
        forcedTransient.calls--;
        throw new RestCallError(forcedTransient.effect === 10001 ? 611 : 608);
      }
      if (deps.random().chance(config.faults.transientFaultRate))
        throw new RestCallError(rest.transientCodes[transientCounter++ % rest.transientCodes.length]!);
      const held = takeLateApply(config.faults);
      // Applied after the hold whether or not the client is still there (it may have given up).
      if (held) await holdBeforeApplying(config.faults.lateApplyMs);
      const answer = executeRest(matched, request, {
        config,
        leads,
        mobjects,
        fields: fields(),
        memberships,
        activities: deps.activities,
        customObjects: deps.customObjects,
      });
      if (held) {
        entry.httpStatus = 200;
        calls.finish(entry, 'late-applied');
        if (!res.destroyed) sendRestJson(res, 200, answer);
        return;
      }
      const lost = chooseLostAnswer(config.faults, deps.random(), matched.operation);
      if (lost !== undefined) {
        loseAnswer(
          lost,
          { calls, entry, req, res },
          {
            afterMs: config.faults.lateAnswerMs,
            answer: () => {
              entry.httpStatus = 200;
              sendRestJson(res, 200, answer);
            },
          },
        );
        return;
      }
      entry.httpStatus = 200;
      calls.finish(entry, 'ok');
      sendRestJson(res, 200, answer);
    } catch (error) {
      if (!(error instanceof RestCallError)) throw error;
      if (admission?.ok && UNCOUNTED_CODES.has(error.code)) admission.refund();
      entry.httpStatus = 200;
      calls.finish(entry, 'fault', error.code);
      sendRestJson(res, 200, failureBody(error.code, error.message));
    } finally {
      if (admission?.ok) admission.release();
    }
  };

  return {
    handle: (req, res, url) =>
      url.pathname.startsWith('/identity/')
        ? url.pathname === '/identity/oauth/token'
          ? handleIdentity(req, res, url, { rest: deps.config().rest, tokens, calls })
          : Promise.resolve(
              sendRestJson(res, 404, { error: 'not_found', error_description: 'use /identity/oauth/token' }),
            )
        : handleApi(req, res, url),
    handleAdmin: (req, res, url) => {
      if (req.method === 'POST' && url.pathname.replace(/\/$/, '') === '/_emulator/rest/expire-token') {
        sendRestJson(res, 200, { expired: tokens.expireNow() });
        return true;
      }
      return handleCustomObjectAdmin(req, res, url, deps);
    },
    expireToken: () => tokens.expireNow(),
    usage: () => tokens.usage(),
  };
}
