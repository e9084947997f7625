/**
 * Concurrent identical cache misses computed once (docs/read-path.md §3). The shared work is cancelled
 * (its AbortSignal fires) only when every request waiting for it has gone; a request that goes
 * stops waiting at once.
 */
import { ClientClosedRequestError } from './service-errors.js';

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  waiting: number;
}

export function createSingleFlight<T>() {
  const flights = new Map<string, Flight<T>>();

  return {
    run(key: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(new ClientClosedRequestError());
      let flight = flights.get(key);
      if (!flight) {
        const controller = new AbortController();
        const promise = work(controller.signal).finally(() => flights.delete(key));
        flight = { promise, controller, waiting: 0 };
        flights.set(key, flight);
      }
      const joined = flight;
      joined.waiting += 1;
      if (!signal) return joined.promise.finally(() => (joined.waiting -= 1));
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          joined.waiting -= 1;
          if (joined.waiting === 0) joined.controller.abort();
          reject(new ClientClosedRequestError());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        joined.promise.then(
          (value) => {
            signal.removeEventListener('abort', onAbort);
            joined.waiting -= 1;
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            joined.waiting -= 1;
            reject(error);
          },
        );
      });
    },
    get size() {
      return flights.size;
    },
  };
}
