import { describe, expect, it } from 'vitest';
import { candidateKeys } from '../../src/console/record-search.js';
import { leadKey } from '../../src/producer/record-keys.js';
import { FOREIGN_SYS_TYPES } from '../../src/vocabulary/foreign-sys-types.js';

describe("the console's search by key finds the record keys intake writes", () => {
  it('an Email, whatever its case', () => {
    expect(candidateKeys(' Ada.Lovelace+x@Example.com ')).toContain(
      leadKey({ Email: 'Ada.Lovelace+x@Example.com' }),
    );
  });

  it('a ForeignSysPersonId of every ForeignSysType the vocabulary lists', () => {
    for (const type of FOREIGN_SYS_TYPES)
      expect(candidateKeys('crm/42 a')).toContain(
        leadKey({ ForeignSysType: type, ForeignSysPersonId: 'crm/42 a' }),
      );
  });

  it('a Marketo lead id, as a number (leading zeros and all)', () => {
    expect(candidateKeys('0042')).toContain(leadKey({ Id: 42 }));
    expect(candidateKeys('42')).toContain(leadKey({ Id: 42 }));
  });

  it('a record key as typed, and nothing for blank text', () => {
    expect(candidateKeys('O:Opportunity:ek:externalOpportunityId=o1')).toContain(
      'O:Opportunity:ek:externalOpportunityId=o1',
    );
    expect(candidateKeys('   ')).toEqual([]);
  });
});
