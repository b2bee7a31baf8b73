import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { writeFailure } from '../../src/producer/write-failure.js';

describe('what a failed enqueue write means', () => {
  it('is refused when Redis answered no before writing, or the call was never sent', () => {
    for (const message of [
      "OOM command not allowed when used memory > 'maxmemory'. script: x, on @user_script:74.",
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
      'CLUSTERDOWN The cluster is down',
    ])
      expect(writeFailure(new ReplyError(message)), message).toBe('refused');
    expect(writeFailure(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(
      'refused',
    );
  });

  it('is unknown when no answer came after the call may have been sent, or Redis failed inside the script', () => {
    for (const error of [
      new Error('Connection is closed.'),
      Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
        name: 'MaxRetriesPerRequestError',
      }),
      new Error('Command timed out'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new ReplyError('ERR user_script:80: Script attempted to access a non local key'),
      new ReplyError('OOM-ish but not the prefix'.replace('OOM-ish', 'XOOM')),
      'not an error',
    ])
      expect(writeFailure(error), String(error)).toBe('unknown');
  });
});
