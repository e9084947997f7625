import { afterEach, describe, expect, it, vi } from 'vitest';
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

  afterEach(() => vi.useRealTimers());

  it('polls every pollMs on its own, so a commit missed by the notification is known within that time', async () => {
    vi.useFakeTimers();
    let generation = 1;
    let reads = 0;
    const tracker = createGenerationTracker({
      read: async () => {
        reads += 1;
        return generation;
      },
      pollMs: 1000,
    });
    generation = 2;
    await vi.advanceTimersByTimeAsync(999);
    expect(reads).toBe(0);
    expect(tracker.latest()).toBe(-1);
    await vi.advanceTimersByTimeAsync(1);
    expect(reads).toBe(1);
    expect(tracker.latest()).toBe(2);
    generation = 3;
    await vi.advanceTimersByTimeAsync(1000);
    expect(tracker.latest()).toBe(3);
    tracker.close();
    generation = 4;
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads).toBe(2);
  });
});
