import { describe, expect, it } from 'vitest';
import { bidLanes, bidsBackoffMs, createItemsActivity, nextBidsPollTime } from '../../../src/sync/bids.js';

const NOW = new Date('2026-07-21T12:00:00Z');
const MINUTE = 60_000;

describe('bids pacing (docs/extensions.md §2.2)', () => {
  it('bids get at most half the lanes while items are fetched, all of them otherwise', () => {
    expect([1, 2, 7, 8].map((c) => bidLanes(c, true))).toEqual([1, 1, 4, 4]);
    expect([1, 2, 7, 8].map((c) => bidLanes(c, false))).toEqual([1, 2, 7, 8]);
    // With the items queue's lanes beside them, bids hold at most half of all lanes.
    for (let c = 1; c <= 64; c++) expect(bidLanes(c, true) / (bidLanes(c, true) + c)).toBeLessThanOrEqual(0.5);
  });

  it('the next poll is never before the answer expires, never sooner than 30 s, and at most 5 s after', () => {
    expect(nextBidsPollTime(NOW, 300, () => 0).getTime() - NOW.getTime()).toBe(301_000);
    expect(nextBidsPollTime(NOW, 300, () => 0.999).getTime() - NOW.getTime()).toBeLessThanOrEqual(305_000);
    expect(nextBidsPollTime(NOW, 0, () => 0).getTime() - NOW.getTime()).toBe(31_000);
  });

  it('a failed poll backs off from 1 min, capped at 5 min within the last hour and 30 min before', () => {
    const soon = new Date(NOW.getTime() + 59 * MINUTE);
    const later = new Date(NOW.getTime() + 3 * 60 * MINUTE);
    expect([1, 2, 3, 4, 10].map((n) => bidsBackoffMs(n, later, NOW, () => 0.5))).toEqual([1, 2, 4, 8, 30].map((m) => m * MINUTE));
    expect([1, 3, 4, 10].map((n) => bidsBackoffMs(n, soon, NOW, () => 0.5))).toEqual([1, 4, 5, 5].map((m) => m * MINUTE));
    expect(bidsBackoffMs(1, later, NOW, () => 0)).toBe(0.8 * MINUTE);
  });

  it('the items activity wakes every waiter at progress and at the end', async () => {
    const activity = createItemsActivity();
    const woke: string[] = [];
    void activity.changed().then(() => woke.push('progress'));
    activity.progress();
    await Promise.resolve();
    void activity.changed().then(() => woke.push('end'));
    activity.finish();
    await Promise.resolve();
    expect(woke).toEqual(['progress', 'end']);
    expect(activity.active()).toBe(false);
  });
});
