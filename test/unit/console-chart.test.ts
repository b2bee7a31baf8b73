import { describe, expect, it } from 'vitest';
import { COLOURS, outcomeChart } from '../../src/console/chart-svg.js';
import { CONSOLE_CSS } from '../../src/console/static-assets.js';
import { OUTCOME_STATUSES } from '../../src/vocabulary/outcome-statuses.js';

describe("the console's outcome chart", () => {
  it('has one colour per outcome status of the vocabulary, and none for a status that does not exist', () => {
    expect(Object.keys(COLOURS).sort()).toEqual([...OUTCOME_STATUSES].sort());
    for (const status of OUTCOME_STATUSES) expect(CONSOLE_CSS).toContain(`.swatch-${status}{`);
  });

  it('draws each status of a bin in its colour', () => {
    const chart = outcomeChart(
      [{ at: Date.UTC(2026, 11, 7, 4, 0), counts: { CREATED: 3, FAILED: 1 } }],
      OUTCOME_STATUSES,
      10,
    ).html;
    expect(chart).toContain(`fill="${COLOURS.CREATED}"`);
    expect(chart).toContain(`fill="${COLOURS.FAILED}"`);
    expect(chart).toContain('4 in all');
  });
});
