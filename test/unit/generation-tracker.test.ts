import { describe, expect, it } from 'vitest';
import { createGenerationTracker } from '../../src/services/generation-tracker.js';

describe('generation tracker', () => {
  it('knows the newest generation without waiting, never goes backwards, tells listeners of each advance, keeps its value when a read fails', async () => {
    let next: number | Error = 4;
    const tracker = createGenerationTracker({
      read: async () => {
        if (next instanceof Error) throw next;
        return next;
      },
      pollMs: 0,
    });
    const heard: number[] = [];
    tracker.onAdvance((generation) => heard.push(generation));
    expect(tracker.latest()).toBe(-1);
    expect(await tracker.refresh()).toBe(4);
    tracker.observe(7);
    tracker.observe(5);
    next = 6;
    expect(await tracker.refresh()).toBe(7);
    next = new Error('connection refused');
    expect(await tracker.refresh()).toBe(7);
    expect(tracker.latest()).toBe(7);
    expect(heard).toEqual([4, 7]);
    tracker.close();
  });
});
