/**
 * Time as the ESI client sees it. Injected so tests can run 38 s pauses and backoffs in fake time;
 * the system clock looks `Date.now` and `setTimeout` up at call time, so vitest's fake timers apply.
 */
export interface EsiClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (resolving, never rejecting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: EsiClock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
