/**
 * Admission control for request work that needs the database (docs/read-path.md §3): at most
 * `maxConcurrent` at once, at most `maxQueued` waiting, none waiting longer than `queueTimeoutMs`.
 * Past those bounds the request is answered 503 at once instead of adding to an unbounded queue,
 * and a request whose client has gone leaves the queue.
 */
import { ClientClosedRequestError, ServiceUnavailableError } from './service-errors.js';

export interface DbAdmissionOptions {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly queueTimeoutMs: number;
}

interface Waiter {
  start(): void;
}

export interface DbAdmission {
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly stats: { active: number; queued: number; rejected: number };
}

export function createDbAdmission(options: DbAdmissionOptions): DbAdmission {
  const queue: Waiter[] = [];
  const stats = { active: 0, queued: 0, rejected: 0 };

  function release(): void {
    stats.active -= 1;
    const next = queue.shift();
    stats.queued = queue.length;
    next?.start();
  }

  async function admitted<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      release();
    }
  }

  return {
    stats,
    run(work, signal) {
      if (signal?.aborted) return Promise.reject(new ClientClosedRequestError());
      if (stats.active < options.maxConcurrent) {
        stats.active += 1;
        return admitted(work);
      }
      if (queue.length >= options.maxQueued) {
        stats.rejected += 1;
        return Promise.reject(ServiceUnavailableError.overloaded());
      }
      return new Promise((resolve, reject) => {
        const leave = (error: Error) => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          stats.queued = queue.length;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        };
        const onAbort = () => leave(new ClientClosedRequestError());
        const timer = setTimeout(() => {
          stats.rejected += 1;
          leave(ServiceUnavailableError.overloaded());
        }, options.queueTimeoutMs);
        const waiter: Waiter = {
          start() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            stats.active += 1;
            admitted(work).then(resolve, reject);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        stats.queued = queue.length;
      });
    },
  };
}
