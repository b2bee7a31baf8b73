import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { startPipeline, syncCalls, TRANSPORTS, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * Last writer wins across an abandoned request: a call the client gave up on (its response timeout)
 * that Marketo applies only later must not land after a newer change to the same record.
 */

let p: PipelineFixture;
afterEach(async () => {
  await p?.close();
});

/** Waits for a state, not for a time: polls `check` until it holds (the test's own timeout bounds it). */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never came: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function leadByEmail(email: string): Promise<EmulatedLead | undefined> {
  const response = await fetch(`${p.f.emulator.url}/_emulator/leads`);
  expect(response.status).toBe(200);
  const leads = (await response.json()) as EmulatedLead[];
  return leads.find((l) => (l.Email ?? l.attributes.Email) === email);
}

describe.each(TRANSPORTS)('a request abandoned after the response timeout, over %s', (transport) => {
  it('applied by Marketo after a newer change to the same lead was sent: the newer value stays', async () => {
    // The emulator applies the held request 2 s after it arrived; the client gives up after 1 s. The
    // worker must not resend the lead before an abandoned request can no longer be applied (6 s here).
    p = await startPipeline(
      { faults: { lateApplyMs: 2_000 } },
      {
        MKTSYNC_RESPONSE_TIMEOUT_MS: '1000',
        MKTSYNC_LEASE_MS: '5000',
        MKTSYNC_ABANDONED_APPLY_MS: '6000',
      },
      transport,
    );
    await p.startWorker();
    // A warm-up call first, so that REST's Describe is behind it and the fault meets the write.
    await p.producer.enqueueLeads({ Email: 'warm-up@example.net', attributes: { FirstName: 'W' } });
    await p.drained();
    const since = p.f.emulator.calls.total;
    p.f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-late' } } });

    const email = 'stale@example.com';
    const first = await p.producer.enqueueLeads({ Email: email, attributes: { FirstName: 'Older' } });
    const key = first.accepted[0]!.key;
    // The older value is on its way (held by Marketo) when the newer change arrives.
    await until('the older value in flight', () => syncCalls(p, since).some((c) => c.status === 'pending'));
    const second = await p.producer.enqueueLeads({ Email: email, attributes: { FirstName: 'Newer' } });
    expect(second.accepted[0]!.key).toBe(key);
    const newerSeq = Number(second.accepted[0]!.seq);

    // Both have happened: the held request was applied, and the record was settled with the newer change.
    await until('the held request applied', () =>
      syncCalls(p, since).some((c) => c.status === 'late-applied'),
    );
    await until('the newer change settled', async () => {
      const outcome = await p.producer.getOutcome(key);
      return outcome !== null && outcome.lastSeq >= newerSeq;
    });
    await p.drained();

    const calls = syncCalls(p, since);
    const held = calls.find((c) => c.status === 'late-applied')!;
    const resend = calls.find((c) => c.seq > held.seq)!;
    console.info(
      `abandoned request over ${transport}: held call applied at +${held.endedAt! - held.startedAt} ms, resend sent at +${resend.startedAt - held.startedAt} ms; outcome latency ${(await p.producer.getOutcome(key))!.latencyMs} ms`,
    );
    expect(held.clientGone).toBe(true);
    // The newer value wins: the resend carrying it came after the abandoned request was applied.
    expect((await leadByEmail(email))?.attributes.FirstName).toBe('Newer');
    expect(resend.startedAt).toBeGreaterThanOrEqual(held.endedAt!);
    expect(await p.producer.getOutcome(key)).toMatchObject({ status: 'UPDATED', changes: 2 });
  });
});
