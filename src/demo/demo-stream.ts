import type { LeadChange, MObjectChange } from '../producer/changes.js';

/** A seeded PRNG, so a demo run can be repeated. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = ['Berlin', 'Köln', 'Paris', 'Austin', 'Toronto', 'Osaka', 'Lyon', 'Zürich'];
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won'];
const PROGRAMS = [1001, 1002, 1003, 1004];
/** The external keys (crmAccountId) of the emulator's seeded companies. */
const COMPANIES = ['ACME-001', 'GLOBEX-002', 'INITECH-003'];

/** One burst of activity: what a busy minute of a product's event stream looks like. */
export interface Burst {
  leads: LeadChange[];
  mobjects: MObjectChange[];
  /** Opportunities created in this burst (external key values), for person roles later. */
  newOpportunities: { key: string; email: string }[];
}

/**
 * A realistic stream: a few thousand leads where a popular few change often (page views, scores),
 * new Opportunities with their contacts, and program costs. `changes` is split into `bursts`.
 */
export function* demoStream(changes: number, leads: number, bursts: number, seed = 42): Generator<Burst> {
  const random = seededRandom(seed);
  // Popularity skew: squaring a uniform draw favours low lead numbers, as real activity does.
  const lead = (): number => Math.floor(random() ** 2 * leads);
  const perBurst = Math.ceil(changes / bursts);
  let opportunity = 0;
  let made = 0;
  for (let b = 0; b < bursts && made < changes; b++) {
    const burst: Burst = { leads: [], mobjects: [], newOpportunities: [] };
    for (let i = 0; i < perBurst && made < changes; i++, made++) {
      const r = random();
      if (r < 0.86) {
        const n = lead();
        const attributes: LeadChange['attributes'] = {
          LeadScore: Math.floor(random() * 100),
          lastEventAt: new Date(Date.now() + made).toISOString(),
        };
        if (random() < 0.3) attributes.City = CITIES[Math.floor(random() * CITIES.length)]!;
        if (random() < 0.1) attributes.lifecycleStage = random() < 0.5 ? 'MQL' : 'SQL';
        if (n % 7 === 0 && random() < 0.2) attributes.FirstName = `Person${n}`;
        burst.leads.push({ Email: `person${n}@example.com`, attributes });
      } else if (r < 0.95) {
        const fresh = opportunity === 0 || random() < 0.35;
        const key = fresh ? `OPP-${++opportunity}` : `OPP-${1 + Math.floor(random() * opportunity)}`;
        const change: MObjectChange = {
          type: 'Opportunity',
          operation: 'UPSERT',
          externalKey: { name: 'crmOpportunityId', value: key },
          attributes: {
            Stage: STAGES[Math.floor(random() * STAGES.length)]!,
            Amount: 1000 * (1 + Math.floor(random() * 200)),
          },
        };
        if (fresh) {
          change.attributes!.Name = `Deal ${key}`;
          // By external key, which both transports can express (REST has no Company by integer id).
          change.associations = [
            {
              mObjType: 'Company',
              externalKey: {
                name: 'crmAccountId',
                value: COMPANIES[Math.floor(random() * COMPANIES.length)]!,
              },
            },
          ];
          burst.newOpportunities.push({ key, email: `person${lead()}@example.com` });
        }
        burst.mobjects.push(change);
      } else {
        burst.mobjects.push({
          type: 'Program',
          operation: 'UPDATE',
          id: PROGRAMS[Math.floor(random() * PROGRAMS.length)]!,
          typeAttributes: [
            {
              attrType: 'Cost',
              attributes: { Month: '2026-11', Amount: 50 + Math.floor(random() * 500), Note: 'ad spend' },
            },
          ],
        });
      }
    }
    yield burst;
  }
}
