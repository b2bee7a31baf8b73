import { describe, expect, it } from 'vitest';
import { validateLeads, validateMObjects } from '../../src/producer/changes.js';
import { digest64, rowFingerprint } from '../../src/reconcile/fingerprint.js';

const hex = (b: Buffer | undefined): string | undefined => b?.toString('hex');

describe('row fingerprints', () => {
  it('derive the record key exactly as validation does', () => {
    const leads = [
      { Email: 'Ann@Example.com', attributes: {} },
      { Id: 42, Email: 'x@example.com', attributes: {} },
      { ForeignSysPersonId: 'crm 7', ForeignSysType: 'SFDC', Email: 'y@example.com', attributes: {} },
      { Email: 'z@example.com', dedupEnabled: false, attributes: {} },
    ];
    for (const lead of leads)
      expect(rowFingerprint('leads', lead)!.key).toBe(validateLeads([lead]).valid[0]!.change.key);
    const objects = [
      { type: 'Opportunity', operation: 'UPSERT', externalKey: { name: 'crmId', value: 'O 1' } },
      { type: 'Program', operation: 'UPDATE', id: 1001 },
    ];
    for (const o of objects)
      expect(rowFingerprint('mobjects', o)!.key).toBe(validateMObjects([o]).valid[0]!.change.key);
  });

  it('ignore attribute order, and change with any value, its type, or the key', () => {
    const base = rowFingerprint('leads', { Email: 'a@example.com', attributes: { A: '1', B: 'x' } })!;
    const reordered = rowFingerprint('leads', { attributes: { B: 'x', A: '1' }, Email: 'a@example.com' })!;
    expect(hex(reordered.content)).toBe(hex(base.content));
    expect(hex(reordered.keyDigest)).toBe(hex(base.keyDigest));
    for (const other of [
      { Email: 'a@example.com', attributes: { A: '1', B: 'y' } },
      { Email: 'a@example.com', attributes: { A: 1, B: 'x' } },
      { Email: 'a@example.com', attributes: { A: '1', B: 'x', C: null } },
      { Email: 'a@example.com', attributes: { A: '1B\u0001x' } },
      { Email: 'b@example.com', attributes: { A: '1', B: 'x' } },
    ])
      expect(hex(rowFingerprint('leads', other)!.content)).not.toBe(hex(base.content));
  });

  it('cannot be fooled by separator characters inside values', () => {
    const a = rowFingerprint('leads', { Email: 'a@example.com', attributes: { A: 'x\u0000B\u0001sy' } })!;
    const b = rowFingerprint('leads', { Email: 'a@example.com', attributes: { A: 'x', B: 'y' } })!;
    expect(hex(a.content)).not.toBe(hex(b.content));
  });

  it('give no key for rows that are not records', () => {
    expect(rowFingerprint('leads', 'text')).toBeNull();
    expect(rowFingerprint('leads', { attributes: {} })).toBeNull();
    expect(rowFingerprint('leads', { Id: 'seven', attributes: {} })).toBeNull();
    expect(rowFingerprint('leads', { attributes: {} }, 'L:id:1')!.key).toBe('L:id:1');
  });

  it('digest64 spreads close inputs over 64 bits', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(digest64(`lead${i}@example.com`).toString('hex'));
    expect(seen.size).toBe(100_000);
    const a = digest64('a').readBigUInt64BE();
    const b = digest64('b').readBigUInt64BE();
    // About half the bits differ for a one-character change.
    const differing = (a ^ b).toString(2).replace(/0/g, '').length;
    expect(differing).toBeGreaterThan(16);
  });
});
