import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reconcileQueue, submitRun } from '../../src/reconcile/reconcile-queue.js';
import { reconcileOverview } from '../../src/reconcile/run-list.js';
import { upsertSchedule } from '../../src/reconcile/schedules.js';
import { freshPrefix } from '../helpers/pipeline.js';

/**
 * The worker's queue view (`/queue`, `/queue.json`) shows reconcile schedules and runs from
 * `reconcileOverview`: a source URL is shown without the credentials or token it may carry, as the
 * console shows it. Real Redis and BullMQ.
 */

const SECRET = 'sig-0123456789abcdef';
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
});
afterAll(() => redis.disconnect());

describe('the reconcile overview of the queue view', () => {
  it('shows schedule and run sources without userinfo or query; a file path as it is', async () => {
    const prefix = freshPrefix();
    const queue = reconcileQueue(redis, prefix);
    try {
      const url = `https://ops:${SECRET}@exports.example.com/nightly/leads.csv?X-Amz-Signature=${SECRET}`;
      await upsertSchedule(
        queue,
        redis,
        prefix,
        'nightly',
        { everyMs: 86_400_000 },
        {
          kind: 'leads',
          source: url,
          set: 'nightly',
        },
      );
      await submitRun(queue, { kind: 'leads', source: url, set: 'adhoc' });
      await submitRun(queue, { kind: 'leads', source: '/data/exports/leads.csv', set: 'file' });
      const overview = await reconcileOverview(queue, redis, prefix, 20);
      const text = JSON.stringify(overview);
      expect(text).not.toContain(SECRET);
      expect(overview.schedules[0]?.source).toBe('https://exports.example.com/nightly/leads.csv');
      expect(overview.runs.map((r) => r.source).sort()).toEqual(
        expect.arrayContaining(['/data/exports/leads.csv', 'https://exports.example.com/nightly/leads.csv']),
      );
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  });
});
