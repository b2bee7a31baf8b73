import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startPipeline, transportEnv, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * `mktsync reconcile mirror`: a static list made to hold exactly an export's leads, against a real Redis,
 * a real worker and the emulator over HTTP; never a removal on a partial or failed read.
 */

let p: PipelineFixture | undefined;
let source: http.Server | undefined;
afterEach(async () => {
  source?.closeAllConnections();
  await new Promise<void>((r) => (source ? source.close(() => r()) : r()));
  source = undefined;
  await p?.close();
  p = undefined;
});

const members = (f: PipelineFixture, listId: number): number[] =>
  [...f.f.emulator.memberships.list(listId)!.members].sort((a, b) => a - b);

/** Five leads, of which the first three are members of list 7001 before the run. */
async function setUp(): Promise<{ f: PipelineFixture; ids: number[]; env: Record<string, string> }> {
  const f = await startPipeline({}, {}, 'rest');
  const ids = Array.from(
    { length: 5 },
    (_, i) => f.f.emulator.leads.create({ Email: `mirror${i}@example.com` }).id,
  );
  for (const id of ids.slice(0, 3)) f.f.emulator.memberships.list(7001)!.members.add(id);
  const env = { REDIS_URL: inject('redisUrl'), MKTSYNC_PREFIX: f.prefix, ...transportEnv(f.f, 'rest') };
  return { f, ids, env };
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mktsync-mirror-')), name);
  writeFileSync(path, text);
  return path;
}

describe('mktsync reconcile mirror', () => {
  it('adds the export’s leads and removes the members it does not name (by id or by email)', async () => {
    const s = await setUp();
    p = s.f;
    const [a, b, c, d] = s.ids as [number, number, number, number];
    // a by id, c by email (kept), d new; b is absent (removed).
    const exportFile = file(
      'list.ndjson',
      [`{"Id":${a}}`, '{"Email":"MIRROR2@example.com"}', `{"lead":{"Id":${d}}}`].join('\n'),
    );
    const run = await runCli(['reconcile', 'mirror', '--list', '7001', exportFile], s.env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({
      list: 7001,
      exported: 3,
      members: 3,
      adds: 3,
      removes: 1,
    });
    expect(run.code).toBe(0);
    await p.startWorker();
    await p.drained();
    // c was named by email: until the lead resolver is wired, its ADD fails, but it was never removed.
    expect(members(p, 7001)).toEqual([a, c, d].sort((x, y) => x - y));
    expect(members(p, 7001)).not.toContain(b);
  });

  it('a CSV export with a bad row: nothing sent at all', async () => {
    const s = await setUp();
    p = s.f;
    const exportFile = file('list.csv', `Id,Email\n${s.ids[0]},\n,\n`);
    const run = await runCli(['reconcile', 'mirror', '--list', '7001', exportFile], s.env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      adds: 0,
      removes: 0,
      noRemovalBecause: expect.stringMatching(/line 3/),
    });
    await p.startWorker();
    await p.drained();
    expect(members(p, 7001)).toEqual(s.ids.slice(0, 3));
    expect((await p.producer.buffer.stats()).counters.accepted).toBeUndefined();
  });

  it('an export served over HTTP that breaks off mid-way: nothing removed', async () => {
    const s = await setUp();
    p = s.f;
    source = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Content-Length': '100000' });
      res.write(`{"Id":${s.ids[0]}}\n`);
      // The connection is cut before the declared length.
      setImmediate(() => res.destroy());
    });
    await new Promise<void>((r) => source!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/list.ndjson`;
    const run = await runCli(['reconcile', 'mirror', '--list', '7001', url], s.env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      removes: 0,
      noRemovalBecause: expect.stringMatching(/could not be read whole/),
    });
    await p.startWorker();
    await p.drained();
    expect(members(p, 7001)).toEqual(s.ids.slice(0, 3));
  });

  it('a failed read of the list’s members: the adds only, nothing removed', async () => {
    const s = await setUp();
    p = s.f;
    const exportFile = file('list.ndjson', `{"Id":${s.ids[4]}}\n`);
    // Every REST API call answers 611 (System error) for a while: Get Leads by List fails.
    p.f.emulator.configure({ rest: { faults: { failNext: { calls: 5, code: 611 } } } });
    const run = await runCli(['reconcile', 'mirror', '--list', '7001', exportFile], s.env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      adds: 1,
      removes: 0,
      members: null,
      noRemovalBecause: expect.stringMatching(/members could not be read/),
    });
    p.f.emulator.configure({ rest: { faults: { failNext: { calls: 0, code: 611 } } } });
    await p.startWorker();
    await p.drained();
    expect(members(p, 7001)).toEqual([...s.ids.slice(0, 3), s.ids[4]!]);
  });
});
