import { describe, expect, it } from 'vitest';
import {
  buildAuthenticationHeader,
  buildSyncMObjects,
  buildSyncMultipleLeads,
} from '../../src/soap/envelope.js';
import { FOREIGN_SYS_TYPES, SYNC_OPERATIONS, type LeadRecord, type MObject } from '../../src/soap/types.js';
import {
  referenceAuthenticationHeader,
  referenceSyncMObjects,
  referenceSyncMultipleLeads,
} from '../helpers/xmlbuilder-reference.js';
import { validateAgainstSchema } from '../helpers/schema.js';
import { seededRandom } from '../helpers/seeded.js';

// Generated values from a seed, so that a failure names a case that can be run again.
function generator(seed: number) {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  // No entity-like text ('&amp;'): xmlbuilder2 writes that unescaped, which changed the value (tested
  // in envelope.test.ts); '&' is never followed by a name and ';' here.
  const PIECES = ['a', 'Zoë', '日本', '😀', '& ', '<', '>', ']]>', '"', "'", '\r', '\n', '\t', ' ', '1'];
  const text = (): string => {
    const n = Math.floor(next() * 6);
    let out = '';
    for (let i = 0; i < n; i++) out += pick(PIECES);
    return out;
  };
  const maybe = <T>(make: () => T): T | undefined => (next() < 0.5 ? make() : undefined);
  const many = <T>(make: () => T, max = 3): T[] =>
    Array.from({ length: Math.floor(next() * (max + 1)) }, make);
  const int = (): number => Math.floor(next() * 2 ** 31) * (next() < 0.2 ? -1 : 1);
  const attrib = () => ({ name: text(), value: text() });
  return { next, pick, text, maybe, many, int, attrib };
}

function lead(g: ReturnType<typeof generator>): LeadRecord {
  const record: LeadRecord = {};
  const Id = g.maybe(g.int);
  if (Id !== undefined) record.Id = Id;
  const Email = g.maybe(g.text);
  if (Email !== undefined || Id === undefined) record.Email = Email ?? g.text();
  if (g.next() < 0.3) {
    record.ForeignSysPersonId = g.text();
    record.ForeignSysType = g.pick(FOREIGN_SYS_TYPES);
  }
  if (g.next() < 0.8) {
    record.attributes = g.many(() => {
      const a: { name: string; value: string; type?: string } = { name: g.text(), value: g.text() };
      if (g.next() < 0.3) a.type = g.text();
      return a;
    });
  }
  return record;
}

function mObject(g: ReturnType<typeof generator>): MObject {
  const object: MObject = { type: g.pick(['Opportunity', 'OpportunityPersonRole', 'Program', g.text()]) };
  const id = g.maybe(g.int);
  if (id !== undefined) object.id = id;
  const externalKey = g.maybe(g.attrib);
  if (externalKey) object.externalKey = externalKey;
  const createdAt = g.maybe(g.text);
  if (createdAt !== undefined) object.createdAt = createdAt;
  const updatedAt = g.maybe(g.text);
  if (updatedAt !== undefined) object.updatedAt = updatedAt;
  if (g.next() < 0.6) object.attributes = g.many(g.attrib);
  if (g.next() < 0.4)
    object.typeAttributes = g.many(() => ({ attrType: g.text(), attributes: g.many(g.attrib) }));
  if (g.next() < 0.4) {
    object.associations = g.many(() => {
      const a: NonNullable<MObject['associations']>[number] = { mObjType: g.text() };
      const aid = g.maybe(g.int);
      if (aid !== undefined) a.id = aid;
      const key = g.maybe(g.attrib);
      if (key) a.externalKey = key;
      return a;
    });
  }
  return object;
}

describe("mktsync's request writer against xmlbuilder2's DOM", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('syncMultipleLeads, seed %i: the same text byte for byte', (seed) => {
    const g = generator(seed);
    for (let round = 0; round < 50; round++) {
      const records = g.many(() => lead(g), 6);
      const dedup = g.maybe(() => g.next() < 0.5);
      expect(buildSyncMultipleLeads(records, dedup).bodyXml, JSON.stringify({ seed, round })).toBe(
        referenceSyncMultipleLeads(records, dedup),
      );
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('syncMObjects, seed %i: the same text byte for byte', (seed) => {
    const g = generator(seed * 7919);
    for (let round = 0; round < 50; round++) {
      const objects = g.many(() => mObject(g), 4);
      const operation = g.pick(SYNC_OPERATIONS);
      expect(buildSyncMObjects(objects, operation).bodyXml, JSON.stringify({ seed, round })).toBe(
        referenceSyncMObjects(objects, operation),
      );
    }
  });

  it('a generated body of every lead element validates against the schema', () => {
    const g = generator(42);
    const records = Array.from({ length: 20 }, () => lead(g));
    expect(validateAgainstSchema(buildSyncMultipleLeads(records, true).bodyXml)).toBe('');
  });

  it('the authentication header', () => {
    const header = {
      mktowsUserId: 'demo17_1_809934544BFABAE58E5D27',
      requestSignature: 'b5e21953ae9f1b263e644da5eccce9ff33802513',
      requestTimestamp: '2013-08-01T18:22:30-07:00',
    };
    expect(buildAuthenticationHeader(header)).toBe(referenceAuthenticationHeader(header));
  });

  it('the comparison can fail: a reordered element is told apart', () => {
    const records: LeadRecord[] = [{ Email: 'a@example.com', Id: 1 }];
    const swapped = referenceSyncMultipleLeads(records).replace(
      '<Id>1</Id><Email>a@example.com</Email>',
      '<Email>a@example.com</Email><Id>1</Id>',
    );
    expect(buildSyncMultipleLeads(records).bodyXml).not.toBe(swapped);
  });
});
