import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import type { PauseEvent } from '../esi/governor.js';
import type { SyncStatusRepository } from '../repositories/sync-status.repository.js';
import { loggableError } from '../logger.js';

/** Coalescing window: the error-limit header arrives with every response, the page refreshes every 30 s. */
const WRITE_EVERY_MS = 5_000;

export interface EsiStatusRecorder {
  onErrorLimitRemain(remain: number): void;
  onPause(event: PauseEvent): void;
  /** Writes what is pending and stops. */
  close(): Promise<void>;
}

/**
 * Keeps the governor's view of ESI (error-limit budget, pauses) in the database for /status, which
 * any API process serves while only the worker talks to ESI. At most one write per 5 s.
 */
export function createEsiStatusRecorder(deps: {
  readonly db: Database;
  readonly repo: Pick<SyncStatusRepository, 'recordEsiStatus'>;
  readonly now: () => Date;
  readonly logger: Logger;
}): EsiStatusRecorder {
  const state = { errorLimitRemain: null as number | null, pausedUntil: null as Date | null, pauseReason: null as string | null, pauseGroup: null as string | null };
  let dirty = false;
  let writing: Promise<void> | null = null;
  let failureLogged = false;

  const write = async () => {
    if (!dirty || writing) return;
    dirty = false;
    writing = deps.repo
      .recordEsiStatus(deps.db, { ...state })
      .then(() => {
        failureLogged = false;
      })
      .catch((error: unknown) => {
        dirty = true;
        if (!failureLogged) deps.logger.warn({ err: loggableError(error) }, 'could not record the ESI status for /status');
        failureLogged = true;
      })
      .finally(() => {
        writing = null;
      });
    await writing;
  };
  const timer = setInterval(() => void write(), WRITE_EVERY_MS);
  timer.unref();

  return {
    onErrorLimitRemain(remain) {
      if (state.errorLimitRemain === remain) return;
      state.errorLimitRemain = remain;
      dirty = true;
    },
    onPause(event) {
      const until = new Date(deps.now().getTime() + event.seconds * 1000);
      if (state.pausedUntil !== null && state.pausedUntil > until) return;
      state.pausedUntil = until;
      state.pauseReason = event.reason;
      state.pauseGroup = event.group;
      dirty = true;
      // A pause is what an operator opens the page for: written at once, not within 5 s.
      void write();
    },
    async close() {
      clearInterval(timer);
      await writing;
      await write();
    },
  };
}
