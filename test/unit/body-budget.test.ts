import { describe, expect, it } from 'vitest';
import { BodyBudget } from '../../src/producer/body-budget.js';

describe('the budget of body bytes in progress', () => {
  it('turns a body away beyond the limit while others are in progress, and takes it once they are done', () => {
    const budget = new BodyBudget(100);
    expect(budget.tryReserve(60)).toBe(true);
    expect(budget.tryReserve(30)).toBe(true);
    expect(budget.tryReserve(20)).toBe(false);
    expect(budget.inProgress).toBe(90);
    budget.release(60);
    expect(budget.tryReserve(20)).toBe(true);
    expect(budget.inProgress).toBe(50);
  });

  it('always lets one body through, even one larger than the limit, arriving in pieces', () => {
    const budget = new BodyBudget(100);
    let held = 0;
    for (const piece of [80, 80, 80]) {
      expect(budget.tryReserve(piece, held)).toBe(true);
      held += piece;
    }
    // A second body now waits for the first.
    expect(budget.tryReserve(1)).toBe(false);
    budget.release(held);
    expect(budget.inProgress).toBe(0);
  });
});
