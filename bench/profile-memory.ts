/**
 * Profiling aid for the memory benchmark (not part of `npm run bench`): fills a backlog and has one
 * `mktsync worker` process drain it, as `npm run bench -- --only memory` does, with the worker's
 * NODE_OPTIONS from `--node-options` (e.g. `--import ./sampler.mjs`, `--heap-prof`).
 *
 *   npx tsx bench/profile-memory.ts --changes 1000000 --leads 200000 --node-options='--heap-prof'
 */
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/demo/private-redis.js';
import { emulatorProcess } from './harness.js';
import { benchMemory } from './memory.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '1000000' },
    leads: { type: 'string', default: '200000' },
    'node-options': { type: 'string', default: '' },
  },
});
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const redis = await startPrivateRedis(say, process.env);
const emulator = await emulatorProcess(['--no-limits']);
try {
  const r = await benchMemory(
    redis.url,
    emulator.endpoint,
    Number(values.changes),
    Number(values.leads),
    values['node-options'],
  );
  say(JSON.stringify(r));
} finally {
  await emulator.stop();
  await redis.stop();
}
