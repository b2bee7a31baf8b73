import type { ActivityChange } from '../producer/activity-change.js';
import type { CustomObjectChange } from '../producer/custom-object-changes.js';
import type { ListMembershipChange, ProgramStatusChange } from '../producer/member-changes.js';

/**
 * What hangs on the demo's leads over REST, beside their own changes: product events (custom
 * activities), a trial list people join and leave, a webinar whose members move forward, and
 * subscriptions (a custom object linked by email). All name their lead by email, so an event for a lead
 * created in the same burst waits for that lead.
 */
export interface MemberBurst {
  activities: ActivityChange[];
  memberships: (ListMembershipChange | ProgramStatusChange)[];
  customObjects: CustomObjectChange[];
}

/** The emulator's seeded "Trial users" list and webinar program (docs/emulator.md). */
export const DEMO_LIST = 7002;
export const DEMO_PROGRAM = 1001;
/** The webinar channel's statuses the demo moves members through, in their order. */
const WEBINAR = ['Invited', 'Registered', 'Attended'] as const;
const PLANS = ['free', 'team', 'pro', 'enterprise'];

/**
 * The member changes for one burst of lead changes (`emails`, the burst's leads by email): about one
 * event per ten lead changes, a list add or remove and a status step per twenty, a subscription change
 * per thirty (the demo's rate limit, 50 calls per 20 s, keeps the run short at these shares). `statusOf` keeps each lead's webinar status across bursts, so statuses only move
 * forward (Marketo never moves a member back).
 */
export function memberBurst(
  emails: readonly string[],
  random: () => number,
  statusOf: Map<string, number>,
  at: number,
): MemberBurst {
  const out: MemberBurst = { activities: [], memberships: [], customObjects: [] };
  emails.forEach((email, i) => {
    if (random() < 0.1)
      out.activities.push({
        lead: { Email: email },
        activityType: 'trialStarted',
        // Distinct instants, so the events are distinct in Marketo's log.
        activityDate: new Date(at + i).toISOString(),
        primaryAttributeValue: PLANS[Math.floor(random() * PLANS.length)]!,
        attributes: { seats: 1 + Math.floor(random() * 50), source: 'demo' },
      });
    if (random() < 0.05)
      out.memberships.push({
        listId: DEMO_LIST,
        lead: { Email: email },
        action: random() < 0.7 ? 'ADD' : 'REMOVE',
      });
    const step = statusOf.get(email) ?? -1;
    if (step < WEBINAR.length - 1 && random() < 0.05) {
      statusOf.set(email, step + 1);
      out.memberships.push({ programId: DEMO_PROGRAM, lead: { Email: email }, status: WEBINAR[step + 1]! });
    }
    if (random() < 0.033) {
      const plan = PLANS[Math.floor(random() * PLANS.length)]!;
      out.customObjects.push({
        apiName: 'subscription_c',
        operation: 'UPSERT',
        keys: { subscriptionId: `SUB-${email}` },
        attributes: { plan, seats: 1 + Math.floor(random() * 50) },
        lead: { Email: email },
      });
    }
  });
  return out;
}
