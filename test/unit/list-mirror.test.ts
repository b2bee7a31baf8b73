import { describe, expect, it } from 'vitest';
import { mirrorPlan, readMirrorExport } from '../../src/reconcile/list-mirror.js';
import type { SourceBatch } from '../../src/reconcile/source.js';

async function* batches(...rows: SourceBatch[]): AsyncGenerator<SourceBatch> {
  for (const row of rows) yield row;
}

describe('list mirror plan', () => {
  it('adds every exported lead once and removes members not named by id or email', async () => {
    const exported = await readMirrorExport(
      batches([
        { line: 1, value: { Id: 1 } },
        { line: 2, value: { Email: 'B@x.com', attributes: {} } },
        { line: 3, value: { Id: 1 } },
      ]),
    );
    expect(exported.ok).toBe(true);
    const plan = mirrorPlan(7001, exported, {
      ok: true,
      members: [
        { id: 1, email: null },
        { id: 2, email: 'b@x.com' },
        { id: 3, email: 'c@x.com' },
      ],
    });
    expect(plan.adds.map((a) => a.lead)).toEqual([{ Id: 1 }, { Email: 'B@x.com' }]);
    expect(plan.removes).toEqual([{ listId: 7001, lead: { Id: 3 }, action: 'REMOVE' }]);
    expect(plan.noRemovalBecause).toBeUndefined();
  });

  it('never removes on a partial export, a failed source or a failed members read', async () => {
    const partial = await readMirrorExport(
      batches([
        { line: 1, value: { Id: 1 } },
        { line: 2, error: 'not valid JSON' },
      ]),
    );
    expect(partial).toMatchObject({ ok: false, line: 2 });
    expect(mirrorPlan(1, partial, { ok: true, members: [{ id: 9, email: null }] })).toEqual({
      adds: [],
      removes: [],
      noRemovalBecause: expect.stringContaining('line 2'),
    });
    async function* failing(): AsyncGenerator<SourceBatch> {
      yield [{ line: 1, value: { Id: 1 } }];
      throw new Error('socket hang up');
    }
    const broken = await readMirrorExport(failing());
    expect(broken).toMatchObject({ ok: false, problem: expect.stringContaining('socket hang up') });
    const whole = await readMirrorExport(batches([{ line: 1, value: { Id: 1 } }]));
    const unread = mirrorPlan(1, whole, { ok: false, problem: '611 System error' });
    expect(unread.removes).toEqual([]);
    expect(unread.adds).toHaveLength(1);
    expect(
      await readMirrorExport(
        batches([
          { line: 1, value: { Id: 1 } },
          { line: 2, value: { Id: 2 } },
        ]),
        1,
      ),
    ).toMatchObject({
      ok: false,
      problem: expect.stringContaining('more than 1'),
    });
    const byForeign = await readMirrorExport(batches([{ line: 1, value: { ForeignSysPersonId: 'P1' } }]));
    expect(mirrorPlan(1, byForeign, { ok: true, members: [{ id: 9, email: null }] }).removes).toEqual([]);
  });
});
