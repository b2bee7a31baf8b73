import { afterEach, describe, expect, it } from 'vitest';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import { startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

let f: RestFixture;
afterEach(() => f?.close());

const leadBody = (email: string) => ({ json: { input: [{ email }] } });
const code = (body: Record<string, unknown>) =>
  body.success === false ? (body.errors as { code: string }[])[0]!.code : 'ok';
const stats = async () =>
  (await (await fetch(`${f.emulator.url}/_emulator/stats`)).json()) as Record<string, number>;
const apiCalls = async () => (await f.calls()).filter((c) => c.operation !== 'identity');
const leadCount = () => f.emulator.leads.size;

/** The largest number of calls whose [startedAt, endedAt] overlap at one instant. */
function maxOverlap(entries: CallLogEntry[]): number {
  const events = entries.flatMap((e) => [
    [e.startedAt, 1],
    [e.endedAt!, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d!));
  return max;
}

describe('REST limits, proven from the call log', () => {
  it('answers 606 with success:false beyond the calls per window; refused calls do not count', async () => {
    f = await startRestFixture({ limits: { rateCalls: 5, rateWindowMs: 60_000 } });
    const token = await f.token();
    const codes: string[] = [];
    for (let i = 0; i < 8; i++)
      codes.push(
        code((await f.call('POST', '/rest/v1/leads.json', { ...leadBody(`r${i}@example.com`), token })).body),
      );
    expect(codes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', '606', '606', '606']);
    const log = await apiCalls();
    const admitted = log.filter((c) => c.status === 'ok');
    // Every admitted call lies in one 60 s window here, so the window never held more than 5.
    expect(admitted).toHaveLength(5);
    expect(log.filter((c) => c.faultCode === 606).map((c) => c.transport)).toEqual(['rest', 'rest', 'rest']);
    expect(leadCount()).toBe(5);
    const refused = await f.call('POST', '/rest/v1/leads.json', { ...leadBody('x@example.com'), token });
    expect(refused.body.errors).toEqual([
      { code: '606', message: "Max rate limit '5' exceeded with in '60' secs" },
    ]);
  });

  it('answers 615 when more calls than the concurrency limit run at once; never more overlap in the log', async () => {
    f = await startRestFixture({ limits: { concurrency: 2 }, faults: { latency: { fixedMs: 1000 } } });
    const token = await f.token();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        f.call('POST', '/rest/v1/leads.json', { ...leadBody(`c${i}@example.com`), token }),
      ),
    );
    const codes = answers.map((a) => code(a.body));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(2);
    expect(codes.filter((c) => c === '615')).toHaveLength(4);
    const admitted = (await apiCalls()).filter((c) => c.status === 'ok');
    expect(maxOverlap(admitted)).toBeLessThanOrEqual(2);
    expect(answers.find((a) => code(a.body) === '615')!.body.errors).toEqual([
      { code: '615', message: 'Concurrent access limit reached' },
    ]);
  });

  it('answers 607 once the daily quota is used up', async () => {
    f = await startRestFixture({ limits: { dailyQuota: 3 } });
    const token = await f.token();
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(code((await f.call('GET', '/rest/v1/leads/describe.json', { token })).body));
    expect(codes).toEqual(['ok', 'ok', 'ok', '607', '607']);
    expect(await stats()).toMatchObject({ quotaUsed: 3 });
    expect((await apiCalls()).map((c) => c.faultCode ?? 0)).toEqual([0, 0, 0, 607, 607]);
  });

  it("does not count 604, 608 and 611 against the quota (Adobe's starred codes), but counts 713", async () => {
    f = await startRestFixture({
      faults: { transientFaultRate: 1 },
      rest: { transientCodes: [604, 608, 611] },
    });
    const token = await f.token();
    for (let i = 0; i < 3; i++) await f.call('GET', '/rest/v1/leads/describe.json', { token });
    expect(await stats()).toMatchObject({ quotaUsed: 0, callsInRateWindow: 0 });
    f.emulator.configure({ rest: { transientCodes: [713] } });
    await f.call('GET', '/rest/v1/leads/describe.json', { token });
    expect(await stats()).toMatchObject({ quotaUsed: 1 });
  });
});

describe('REST request size', () => {
  it('answers HTTP 413 above 1 MB and applies nothing; a body just below is accepted', async () => {
    f = await startRestFixture();
    const token = await f.token();
    const fill = (size: number) => ({
      input: Array.from({ length: 300 }, (_, i) => ({
        email: `s${i}@example.com`,
        address: 'x'.repeat(size),
      })),
    });
    const overBody = JSON.stringify(fill(3500));
    expect(Buffer.byteLength(overBody)).toBeGreaterThan(1024 * 1024);
    const over = await f.call('POST', '/rest/v1/leads.json', {
      raw: { body: overBody, contentType: 'application/json' },
      token,
    });
    expect(over.status).toBe(413);
    expect(over.text).toContain('413 Request Entity Too Large');
    expect(leadCount()).toBe(0);
    const underBody = JSON.stringify(fill(3300));
    expect(Buffer.byteLength(underBody)).toBeLessThanOrEqual(1024 * 1024);
    const under = await f.call('POST', '/rest/v1/leads.json', {
      raw: { body: underBody, contentType: 'application/json' },
      token,
    });
    expect(under.status).toBe(200);
    expect((under.body.result as unknown[]).length).toBe(300);
    const log = await apiCalls();
    expect(log.map((c) => [c.status, c.httpStatus])).toEqual([
      ['http-413', 413],
      ['ok', 200],
    ]);
  });
});

describe('REST fault injection', () => {
  it('answers transient codes 604, 608, 611, 713 in turn with success:false, applying nothing', async () => {
    f = await startRestFixture({ faults: { transientFaultRate: 1 } });
    const token = await f.token();
    const codes: string[] = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        code((await f.call('POST', '/rest/v1/leads.json', { ...leadBody(`t${i}@example.com`), token })).body),
      );
    expect(codes).toEqual(['604', '608', '611', '713']);
    expect(leadCount()).toBe(0);
  });

  it('answers HTTP 502 and 503 with a gateway page, and maps failNext 10001/20011 to 611/608', async () => {
    f = await startRestFixture({ faults: { failNext: { calls: 2, effect: 502 } } });
    const token = await f.token();
    for (let i = 0; i < 2; i++) {
      const answer = await f.call('POST', '/rest/v1/leads.json', { ...leadBody('g@example.com'), token });
      expect([answer.status, answer.text]).toEqual([502, expect.stringContaining('502 Bad Gateway')]);
    }
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 503 } } });
    expect((await f.call('GET', '/rest/v1/leads/describe.json', { token })).status).toBe(503);
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 10001 } } });
    expect(code((await f.call('GET', '/rest/v1/leads/describe.json', { token })).body)).toBe('611');
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 20011 } } });
    expect(code((await f.call('GET', '/rest/v1/leads/describe.json', { token })).body)).toBe('608');
    f.emulator.configure({ faults: { httpErrorRate: 1 } });
    const statuses = [];
    for (let i = 0; i < 2; i++)
      statuses.push((await f.call('GET', '/rest/v1/leads/describe.json', { token })).status);
    expect(statuses.sort()).toEqual([502, 503]);
    expect(leadCount()).toBe(0);
    expect((await apiCalls()).map((c) => c.status)).toEqual([
      'http-502',
      'http-502',
      'http-503',
      'fault',
      'fault',
      expect.stringMatching(/^http-50[23]$/),
      expect.stringMatching(/^http-50[23]$/),
    ]);
  });

  it('hangs or resets the connection without applying the call', async () => {
    f = await startRestFixture({ faults: { failNext: { calls: 1, effect: 'hang' } } });
    const token = await f.token();
    const hung = fetch(`${f.emulator.restEndpoint}/rest/v1/leads.json`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: [{ email: 'h@example.com' }] }),
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'reset' } } });
    await expect(
      f.call('POST', '/rest/v1/leads.json', { ...leadBody('r@example.com'), token }),
    ).rejects.toThrow();
    expect(leadCount()).toBe(0);
    expect((await apiCalls()).map((c) => c.status)).toEqual(['hang', 'reset']);
  });

  it('throttles in bursts: throttleBurst 20023 is 606, 20024 is 615, then calls pass again', async () => {
    f = await startRestFixture({ faults: { throttleBurst: { calls: 2, code: 20023 } } });
    const token = await f.token();
    const codes: string[] = [];
    for (let i = 0; i < 3; i++)
      codes.push(code((await f.call('GET', '/rest/v1/leads/describe.json', { token })).body));
    f.emulator.configure({ faults: { throttleBurst: { calls: 1, code: 20024 } } });
    for (let i = 0; i < 2; i++)
      codes.push(code((await f.call('GET', '/rest/v1/leads/describe.json', { token })).body));
    expect(codes).toEqual(['606', '606', 'ok', '615', 'ok']);
    expect(await stats()).toMatchObject({ quotaUsed: 2 });
  });

  it('answers any REST call code on demand (rest.faults.failNext), applying nothing', async () => {
    f = await startRestFixture();
    const token = await f.token();
    const codes: string[] = [];
    for (const forced of [601, 602, 604, 606, 607, 608, 611, 615, 713] as const) {
      f.emulator.configure({ rest: { faults: { failNext: { calls: 1, code: forced } } } });
      codes.push(
        code(
          (await f.call('POST', '/rest/v1/leads.json', { ...leadBody(`f${forced}@example.com`), token }))
            .body,
        ),
      );
    }
    expect(codes).toEqual(['601', '602', '604', '606', '607', '608', '611', '615', '713']);
    expect(leadCount()).toBe(0);
    expect(
      code((await f.call('POST', '/rest/v1/leads.json', { ...leadBody('after@example.com'), token })).body),
    ).toBe('ok');
  });

  it('applies a call, then loses its answer: reset, hang, or an answer that comes late', async () => {
    f = await startRestFixture({
      faults: { failNext: { calls: 1, effect: 'apply-then-reset' } },
      rest: { lateAnswerMs: 200 },
    });
    const token = await f.token();
    await expect(
      f.call('POST', '/rest/v1/leads.json', { ...leadBody('ar@example.com'), token }),
    ).rejects.toThrow();
    expect(f.emulator.leads.all().map((l) => l.Email)).toEqual(['ar@example.com']);
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-hang' } } });
    const hung = fetch(`${f.emulator.restEndpoint}/rest/v1/leads.json`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: [{ email: 'ah@example.com' }] }),
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    expect(f.emulator.leads.all().map((l) => l.Email)).toEqual(['ar@example.com', 'ah@example.com']);
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-late' } } });
    const late = await f.call('POST', '/rest/v1/leads.json', { ...leadBody('al@example.com'), token });
    expect(late.body).toMatchObject({ success: true, result: [{ status: 'created' }] });
    const log = await apiCalls();
    expect(log.map((c) => c.status)).toEqual(['applied-reset', 'applied-hang', 'applied-late']);
    // The late answer was written after the call had been applied and logged.
    expect(await stats()).toMatchObject({ activeCalls: 0 });
  });
});
