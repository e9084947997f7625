import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syncSchedule } from '../../../src/sync/scheduler.js';
import type { RunOptions, RunResult } from '../../../src/sync/sync-runner.js';

/** A runner whose runs last as long as the test says, on the fake clock. */
function scriptedRunner(durationsMs: number[]) {
  const starts: { at: number; trigger: string }[] = [];
  let running = 0;
  let maxRunning = 0;
  let stopRequests = 0;
  const runner = {
    async run(options: RunOptions): Promise<RunResult> {
      starts.push({ at: Date.now(), trigger: options.trigger });
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, durationsMs[starts.length - 1] ?? 0));
      running -= 1;
      return { kind: 'skipped', reason: 'lock_held' };
    },
    requestStop: () => {
      stopRequests += 1;
    },
  };
  return { runner, starts, maxRunning: () => maxRunning, stopRequests: () => stopRequests };
}

describe('the sync schedule', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at startup, then every interval, and a run longer than the interval never overlaps the next (case 120)', async () => {
    vi.useFakeTimers({ now: 0 });
    const scripted = scriptedRunner([150_000, 10_000, 10_000, 10_000]);
    const app = Fastify();
    await app.register(syncSchedule, { runner: scripted.runner, intervalSeconds: 60 });
    await app.ready();
    await vi.advanceTimersByTimeAsync(400_000);
    expect(scripted.maxRunning()).toBe(1);
    // The 60 s and 120 s ticks fell inside the first run and were skipped, not queued.
    expect(scripted.starts).toEqual([
      { at: 0, trigger: 'startup' },
      { at: 180_000, trigger: 'schedule' },
      { at: 240_000, trigger: 'schedule' },
      { at: 300_000, trigger: 'schedule' },
      { at: 360_000, trigger: 'schedule' },
    ]);
    await app.close();
  });

  it('closing the app stops the schedule, asks a running run to stop and waits at most 9 s for it (the process is gone within 10 s)', async () => {
    vi.useFakeTimers({ now: 0 });
    const scripted = scriptedRunner([3_600_000]);
    const app = Fastify();
    await app.register(syncSchedule, { runner: scripted.runner, intervalSeconds: 60 });
    await app.ready();
    await vi.advanceTimersByTimeAsync(1_000);
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(8_999);
    expect(closed).toBe(false);
    expect(scripted.stopRequests()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(closed).toBe(true);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(scripted.starts).toHaveLength(1);
  });
});

describe('the bids job between runs (docs/extensions.md §2.2)', () => {
  afterEach(() => vi.useRealTimers());

  it('polls every bids interval, never while a sync run is on, and closing waits for a running poll', async () => {
    vi.useFakeTimers({ now: 0 });
    const scripted = scriptedRunner([150_000, 10_000]);
    const polls: number[] = [];
    let pollsRunning = 0;
    let overlapped = false;
    const poll = async () => {
      polls.push(Date.now());
      pollsRunning += 1;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      pollsRunning -= 1;
    };
    const run = scripted.runner.run;
    scripted.runner.run = async (options) => {
      if (pollsRunning > 0) overlapped = true;
      return run(options);
    };
    const app = Fastify();
    await app.register(syncSchedule, { runner: scripted.runner, intervalSeconds: 600, bids: { poll, intervalSeconds: 60 } });
    await app.ready();
    await vi.advanceTimersByTimeAsync(400_000);
    // The 60 s and 120 s ticks fell inside the 150 s startup run; then one poll a minute.
    expect(polls).toEqual([180_000, 240_000, 300_000, 360_000]);
    expect(overlapped).toBe(false);
    await vi.advanceTimersByTimeAsync(20_000 + 1_000);
    expect(pollsRunning).toBe(1);
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(closed).toBe(false);
    expect(scripted.stopRequests()).toBe(1);
    await vi.advanceTimersByTimeAsync(4_000);
    await closing;
    expect(closed).toBe(true);
  });
});
