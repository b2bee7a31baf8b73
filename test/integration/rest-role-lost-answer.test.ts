import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedObject } from '../../src/emulator/mobject-store.js';
import { startPipeline, syncCalls, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * Issue 19 item 5: REST keys an OpportunityPersonRole by its fields (opportunity, lead, role), and a
 * second createOnly of one is answered 1017. So a role INSERT whose answer is lost is resent as a
 * checked create (the resend answers SKIPPED, the outcome PROBABLY_CREATED) instead of every role
 * being dead-lettered INDETERMINATE.
 */

let p: PipelineFixture | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('an OpportunityPersonRole INSERT whose answer is lost, over REST', () => {
  it('is resent as a checked create: PROBABLY_CREATED, one role each, no INDETERMINATE', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    const leads = await p.producer.enqueueLeads(
      Array.from({ length: 5 }, (_, i) => ({
        Email: `role${i}@example.com`,
        attributes: { FirstName: 'R' },
      })),
    );
    await p.producer.enqueueMObjects({
      type: 'Opportunity',
      operation: 'UPSERT',
      externalKey: { name: 'crmOpportunityId', value: 'O-R' },
      attributes: { Name: 'Deal R' },
    });
    await p.drained();
    const ids = await Promise.all(leads.accepted.map(async (a) => (await p!.producer.getOutcome(a.key))!.id));
    // A warm-up role, so that the Describe of roles (a read) is behind the write under test.
    await p.producer.enqueueMObjects({
      type: 'OpportunityPersonRole',
      operation: 'UPSERT',
      attributes: { externalOpportunityId: 'O-R', PersonId: String(ids[0]), Role: 'Warm-up' },
    });
    await p.drained();
    const since = p.f.emulator.calls.total;
    p.f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const roles = await p.producer.enqueueMObjects(
      ids.map((id) => ({
        type: 'OpportunityPersonRole' as const,
        operation: 'INSERT' as const,
        attributes: { externalOpportunityId: 'O-R', PersonId: String(id), Role: 'Buyer' },
      })),
    );
    expect(roles.rejected).toEqual([]);
    await p.drained();
    expect(syncCalls(p, since).map((c) => c.status)).toEqual(['applied-reset', 'ok']);
    const outcomes = await Promise.all(roles.accepted.map((a) => p!.producer.getOutcome(a.key)));
    expect(outcomes.map((o) => o?.status)).toEqual(Array(5).fill('PROBABLY_CREATED'));
    const buyers = (p.f.emulator.mobjects.list('OpportunityPersonRole') as EmulatedObject[]).filter((r) =>
      Object.entries(r.attributes).some(([k, v]) => k.toLowerCase() === 'role' && v === 'Buyer'),
    );
    expect(buyers).toHaveLength(5);
    // The resend's SKIPPED answer carries no id: each was looked up by opportunity, lead and role.
    const guidOf = new Map(buyers.map((r) => [r.attributes.PersonId, r.marketoGUID]));
    expect(outcomes.map((o) => o?.id)).toEqual(ids.map((id) => guidOf.get(String(id))));
    for (const outcome of outcomes) expect(outcome?.note).toMatch(/id looked up by its key$/);
  });
});
