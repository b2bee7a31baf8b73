import { describe, expect, it } from 'vitest';
import { furthestStatus } from '../../src/rest/program-members.js';

const STEPS = { Invited: 10, Registered: 20, Attended: 40 };
const record = (status: string, passed?: string[]) => ({
  programId: 1001,
  lead: { Id: 7 },
  status,
  ...(passed ? { passed } : {}),
});

describe('furthestStatus (the status a program member record is sent with)', () => {
  it('is the furthest of the status and the statuses passed, by the steps', () => {
    expect(furthestStatus(record('Registered', ['Attended', 'Invited']), STEPS)).toBe('Attended');
    expect(furthestStatus(record('Attended', ['Registered']), STEPS)).toBe('Attended');
  });
  it('is the status itself without steps, without passed, or for statuses the steps lack', () => {
    expect(furthestStatus(record('Registered', ['Attended']), undefined)).toBe('Registered');
    expect(furthestStatus(record('Registered'), STEPS)).toBe('Registered');
    expect(furthestStatus(record('Registered', ['Unknown']), STEPS)).toBe('Registered');
    // A status the steps lack is outranked by any passed status they know.
    expect(furthestStatus(record('Custom', ['Invited']), STEPS)).toBe('Invited');
  });
});
