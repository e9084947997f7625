import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createDbAdmission } from '../../src/services/db-admission.js';
import { ClientClosedRequestError, ServiceUnavailableError } from '../../src/services/service-errors.js';
import { createSingleFlight } from '../../src/services/single-flight.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('database admission control', () => {
  it('runs at most maxConcurrent at once, queues up to maxQueued, answers overloaded past that', async () => {
    const admission = createDbAdmission({ maxConcurrent: 2, maxQueued: 1, queueTimeoutMs: 10_000 });
    const release = gate();
    let running = 0;
    let peak = 0;
    const work = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await release.opened;
      running -= 1;
      return 'done';
    };
    const accepted = [admission.run(work), admission.run(work), admission.run(work)];
    await expect(admission.run(work)).rejects.toEqual(ServiceUnavailableError.overloaded());
    expect(admission.stats).toMatchObject({ active: 2, queued: 1, rejected: 1 });
    release.open();
    expect(await Promise.all(accepted)).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(admission.stats).toMatchObject({ active: 0, queued: 0 });
  });

  it('a request queued longer than queueTimeoutMs is answered overloaded and never runs', async () => {
    const admission = createDbAdmission({ maxConcurrent: 1, maxQueued: 5, queueTimeoutMs: 30 });
    const release = gate();
    const first = admission.run(() => release.opened);
    let ranLate = false;
    const late = admission.run(async () => {
      ranLate = true;
    });
    await expect(late).rejects.toBeInstanceOf(ServiceUnavailableError);
    release.open();
    await first;
    await sleep(5);
    expect(ranLate).toBe(false);
  });

  it('a client that leaves while queued leaves the queue; one whose signal is already aborted is not admitted', async () => {
    const admission = createDbAdmission({ maxConcurrent: 1, maxQueued: 5, queueTimeoutMs: 10_000 });
    const release = gate();
    const first = admission.run(() => release.opened);
    const controller = new AbortController();
    let ran = false;
    const leaving = admission.run(async () => {
      ran = true;
    }, controller.signal);
    controller.abort();
    await expect(leaving).rejects.toBeInstanceOf(ClientClosedRequestError);
    expect(admission.stats.queued).toBe(0);
    await expect(admission.run(async () => 1, controller.signal)).rejects.toBeInstanceOf(ClientClosedRequestError);
    release.open();
    await first;
    expect(ran).toBe(false);
  });
});

describe('single flight', () => {
  it('computes concurrent identical keys once; the work is cancelled only when every waiter has gone', async () => {
    const flights = createSingleFlight<string>();
    const release = gate();
    let calls = 0;
    let workSignal: AbortSignal | undefined;
    const work = async (signal: AbortSignal) => {
      calls += 1;
      workSignal = signal;
      await release.opened;
      return 'body';
    };
    const a = new AbortController();
    const b = new AbortController();
    const first = flights.run('k', work, a.signal);
    const second = flights.run('k', work, b.signal);
    const third = flights.run('k', work);
    a.abort();
    await expect(first).rejects.toBeInstanceOf(ClientClosedRequestError);
    expect(workSignal!.aborted).toBe(false);
    release.open();
    expect(await second).toBe('body');
    expect(await third).toBe('body');
    expect(calls).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('aborts the shared work when its only waiter leaves', async () => {
    const flights = createSingleFlight<string>();
    let workSignal: AbortSignal | undefined;
    const controller = new AbortController();
    const waiting = flights.run('k', (signal) => {
      workSignal = signal;
      return new Promise<string>(() => {});
    }, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(ClientClosedRequestError);
    expect(workSignal!.aborted).toBe(true);
  });
});
