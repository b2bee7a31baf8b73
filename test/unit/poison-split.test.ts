import { describe, expect, it } from 'vitest';
import type { BatchEntry } from '../../src/buffer/types.js';
import { MarketoFault } from '../../src/soap/faults.js';
import { soapCallError } from '../../src/soap/soap-transport.js';
import type { MarketoCallError } from '../../src/transport/contract.js';
import { carriesField, isolateRecordFault, partsFor } from '../../src/worker/poison-split.js';

const entry = (i: number, attributes: Record<string, string> = { City: 'x' }): BatchEntry => ({
  key: `L:em:r${i}`,
  data: { Email: `r${i}@example.com`, attributes },
  first: i,
  last: i,
  count: 1,
  t0: 0,
  attempts: 0,
});
const unknownField = (names: string) =>
  soapCallError(
    new MarketoFault(
      20105,
      'SOAP-ENV:Client',
      '20105 - Lead Attribute Bad',
      `unknown fields for import: ${names} (20105)`,
    ),
  );
const badParameter = () =>
  soapCallError(new MarketoFault(20110, 'SOAP-ENV:Client', '20110 - Bad Parameter', 'Bad parameter (20110)'));

/** A fake Marketo for pure logic: a call faults when it holds a record `isBad` says is bad. */
function run(
  entries: BatchEntry[],
  budget: number,
  faultFor: (part: readonly BatchEntry[]) => MarketoCallError | undefined,
) {
  const sent: string[][] = [];
  const failed = new Map<string, string | undefined>();
  const givenBack: string[] = [];
  const first = faultFor(entries)!;
  const done = isolateRecordFault({
    fault: first,
    entries,
    budget,
    send: (part) => {
      sent.push(part.map((e) => e.key));
      const fault = faultFor(part);
      return Promise.resolve(
        fault === undefined ? undefined : { fault, undecided: part.slice(fault.settled.length) },
      );
    },
    fail: (e, _fault, field) => failed.set(e.key, field),
    giveBack: (undecided) => givenBack.push(...undecided.map((e) => e.key)),
  });
  return done.then((summary) => ({ summary, sent, failed, givenBack }));
}

describe('isolateRecordFault', () => {
  it('fails every record carrying a field the fault names without a call, and sends the rest in one', async () => {
    const entries = Array.from({ length: 300 }, (_, i) =>
      entry(i, i % 3 === 0 ? { City: 'x', pants: 'y' } : { City: 'x' }),
    );
    const r = await run(entries, 20, (part) =>
      part.some((e) => carriesField(e.data, 'pants')) ? unknownField('pants') : undefined,
    );
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]).toHaveLength(200);
    expect(r.failed.size).toBe(100);
    expect([...r.failed.values()].every((f) => f === 'pants')).toBe(true);
    expect(r.summary).toMatchObject({ calls: 1, isolated: 0, undecided: 0 });
  });

  it('a batch where every record carries the field costs no call beyond the one that faulted', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry(i, { pants: 'y' }));
    const r = await run(entries, 20, () => unknownField('pants'));
    expect(r.sent).toHaveLength(0);
    expect(r.failed.size).toBe(300);
  });

  it('a fault naming several fields fails the carriers of each, naming the field each carries', async () => {
    const entries = [
      entry(0, { pants: 'a' }),
      entry(1, { shirt: 'b' }),
      entry(2),
      entry(3, { shirt: 'c', pants: 'd' }),
    ];
    const r = await run(entries, 20, (part) => {
      const named = ['pants', 'shirt'].filter((f) => part.some((e) => carriesField(e.data, f)));
      return named.length > 0 ? unknownField(named.join(', ')) : undefined;
    });
    expect(r.sent).toEqual([['L:em:r2']]);
    expect(Object.fromEntries(r.failed)).toEqual({
      'L:em:r0': 'pants',
      'L:em:r1': 'shirt',
      'L:em:r3': 'pants',
    });
  });

  it('a named field that no record carries is isolated by splitting instead', async () => {
    const entries = Array.from({ length: 8 }, (_, i) =>
      entry(i, i === 5 ? { City: 'poison' } : { City: 'x' }),
    );
    const r = await run(entries, 20, (part) =>
      part.some((e) => (e.data as { attributes: Record<string, string> }).attributes.City === 'poison')
        ? unknownField('Cityy')
        : undefined,
    );
    expect([...r.failed.keys()]).toEqual(['L:em:r5']);
    expect(r.failed.get('L:em:r5')).toBeUndefined();
    expect(r.summary.isolated).toBe(1);
  });

  it('isolates one bad record of 300 within the default budget wherever it sits, in at most 18 calls', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry(i));
    let most = 0;
    for (let at = 0; at < 300; at++) {
      const bad = `L:em:r${at}`;
      const r = await run(entries, 20, (part) =>
        part.some((e) => e.key === bad) ? badParameter() : undefined,
      );
      expect([...r.failed.keys()]).toEqual([bad]);
      expect(r.givenBack).toEqual([]);
      // Every other record went through in a call without the bad one.
      expect(new Set(r.sent.filter((keys) => !keys.includes(bad)).flat()).size).toBe(299);
      most = Math.max(most, r.summary.calls);
    }
    // 2 · ⌈log2 300⌉ by halving.
    expect(most).toBeLessThanOrEqual(18);
  });

  it('spends at most the budget, then hands back exactly the records not decided', async () => {
    const bad = new Set([10, 80, 150, 220, 290].map((i) => `L:em:r${i}`));
    const entries = Array.from({ length: 300 }, (_, i) => entry(i));
    const r = await run(entries, 20, (part) =>
      part.some((e) => bad.has(e.key)) ? badParameter() : undefined,
    );
    expect(r.sent.length).toBe(20);
    const passed = new Set(r.sent.filter((keys) => !keys.some((k) => bad.has(k))).flat());
    const decided = new Set([...passed, ...r.failed.keys()]);
    expect(r.givenBack.length).toBeGreaterThan(0);
    expect(new Set([...r.givenBack, ...decided]).size).toBe(300);
    expect(r.givenBack.some((k) => decided.has(k))).toBe(false);
    for (const key of r.failed.keys()) expect(bad.has(key)).toBe(true);
    // More than half the batch is decided in this attempt despite five bad records.
    expect(decided.size).toBeGreaterThan(150);
  });

  it('with no budget, names still fail their carriers and the rest is handed back', async () => {
    const entries = [entry(0, { pants: 'a' }), entry(1)];
    const r = await run(entries, 0, () => unknownField('pants'));
    expect(r.sent).toEqual([]);
    expect([...r.failed.keys()]).toEqual(['L:em:r0']);
    expect(r.givenBack).toEqual(['L:em:r1']);
  });
});

describe('partsFor', () => {
  it('halves when calls are scarce, splits wider when they are not, never more parts than records', () => {
    expect(partsFor(300, 20)).toBe(5);
    expect(partsFor(300, 4)).toBe(2);
    expect(partsFor(300, 0)).toBe(2);
    expect(partsFor(3, 100)).toBe(3);
  });
});

describe('carriesField', () => {
  it('looks at lead attributes and at every attribute list of an object', () => {
    expect(carriesField({ attributes: { pants: 'x' } }, 'pants')).toBe(true);
    expect(carriesField({ attributes: { Pants: 'x' } }, 'pants')).toBe(false);
    expect(carriesField({ attributes: {} }, 'constructor')).toBe(false);
    expect(carriesField({ type: 'Opportunity', attributes: { Stage: 'x' } }, 'Stage')).toBe(true);
    expect(
      carriesField(
        { type: 'Program', typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-01' } }] },
        'Month',
      ),
    ).toBe(true);
  });
});

describe('isolateRecordFault after a transport settled part of a call', () => {
  it('never sends again the records the transport settled before the fault (a create would be made twice)', async () => {
    const entries = Array.from({ length: 8 }, (_, i) => entry(i));
    const bad = 'L:em:r7';
    // Like REST cutting a call into bodies: the first two records go in a body that succeeds, the
    // body holding the bad record is refused as a whole (e.g. HTTP 413, Opportunity 718).
    const r = await run(entries, 20, (part) => {
      const at = part.findIndex((e) => e.key === bad);
      if (at < 0) return undefined;
      const fault = badParameter();
      // The first call's fault reaches the isolation with the settled records already left out.
      if (part.length === entries.length) return fault;
      const ok = { status: 'CREATED' as const, id: '1', code: null, category: null, message: null };
      return fault.withSettled(Array.from({ length: Math.min(2, at) }, () => ok));
    });
    const sent = r.sent.flat();
    expect(new Set(sent).size).toBe(sent.length);
    expect([...r.failed.keys()]).toEqual([bad]);
  });
});
