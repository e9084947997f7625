import type { DowntimeWindow } from '../config.js';
import { systemClock, type EsiClock } from './clock.js';
import { downtimeEndsAt, isDowntime } from './downtime.js';
import {
  errorLimitedPauseSeconds,
  readErrorLimit,
  readRateLimit,
  retryAfterSeconds,
} from './throttle-headers.js';
import type { EsiHeaders, EsiPriority } from './types.js';

export { isDowntime } from './downtime.js';

/** docs/sync.md §3.5: at or below this many remaining errors, no request starts until the window resets. */
export const ERROR_LIMIT_FLOOR = 20;
/** docs/sync.md §3.5: a group whose bucket is below this share of its limit is paced to 1 request/s. */
const LOW_BUCKET_SHARE = 0.1;
const LOW_BUCKET_SPACING_MS = 1000;

export type PauseReason = 'error_limit' | '420' | '429' | 'downtime';

export interface PauseEvent {
  readonly reason: PauseReason;
  readonly seconds: number;
  /** The rate-limit group a 429 paused, null when everything pauses. */
  readonly group: string | null;
}

export interface GovernorOptions {
  readonly maxConcurrency: number;
  readonly maxRps: number;
  readonly downtimeWindow: DowntimeWindow | null;
  readonly clock?: EsiClock;
  /** Called once when a pause begins (not when a running pause is extended), for metrics and logs. */
  readonly onPause?: (event: PauseEvent) => void;
  /** Called with every `X-ESI-Error-Limit-Remain` seen. */
  readonly onErrorLimitRemain?: (remain: number) => void;
  readonly onInflightChange?: (inflight: number) => void;
}

export interface AcquireOptions {
  /** The route template; the governor learns which rate-limit group each route belongs to. */
  readonly route: string;
  readonly priority: EsiPriority;
  /** A re-queued request passes its first slot's sequence to keep its place in the queue. */
  readonly sequence?: number;
  /** Aborting drops the waiter; `acquire` then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface ReleasedResponse {
  readonly status: number;
  readonly headers: EsiHeaders;
}

export interface GovernorSlot {
  /** Position in the queue; pass it back on re-queue. */
  readonly sequence: number;
  /**
   * Frees the slot and reports what came back (null: no response, e.g. a timeout or reset).
   * Returns 'requeue' for 420/429: the caller sends the request again through `acquire`.
   */
  release(response: ReleasedResponse | null): 'done' | 'requeue';
}

export interface Governor {
  acquire(options: AcquireOptions): Promise<GovernorSlot>;
  inflight(): number;
  /** Lowest `X-ESI-Error-Limit-Remain` seen since creation or the last reset, null if none seen. */
  errorLimitLowWater(): number | null;
  resetErrorLimitLowWater(): void;
  isDowntime(now?: number): boolean;
  /** Rejects every waiter; later `acquire` calls reject at once. */
  close(): void;
}

export class GovernorClosedError extends Error {
  constructor() {
    super('ESI governor closed');
    this.name = 'GovernorClosedError';
  }
}

interface Waiter {
  readonly route: string;
  readonly rank: number;
  readonly sequence: number;
  readonly resolve: (slot: GovernorSlot) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

interface GroupState {
  pausedUntil: number;
  slow: boolean;
  lastStart: number;
}

const PRIORITY_RANK: Readonly<Record<EsiPriority, number>> = { discovery: 0, normal: 1 };

/**
 * The one admission point for every ESI request of the process (docs/sync.md §1 I5, §3.5): concurrency,
 * token-bucket pacing, priority, the error-limit floor, 420/429 pauses, bucket rate limits and the
 * daily downtime window. Pauses stop every caller, which is why there is exactly one per process.
 */
export function createGovernor(options: GovernorOptions): Governor {
  const clock = options.clock ?? systemClock;
  const capacity = Math.max(1, Math.ceil(options.maxRps));
  const waiting: Waiter[] = [];
  const pausedUntil = new Map<PauseReason, number>();
  const groups = new Map<string, GroupState>();
  const routeGroups = new Map<string, string>();
  let tokens = capacity;
  let refilledAt = clock.now();
  let inflightCount = 0;
  let nextSequence = 0;
  let lowWater: number | null = null;
  let downtimeEpisodeEnd = 0;
  let wake: { at: number; cancel: AbortController } | null = null;
  let closed = false;

  function groupState(group: string): GroupState {
    let state = groups.get(group);
    if (!state) {
      state = { pausedUntil: 0, slow: false, lastStart: -Infinity };
      groups.set(group, state);
    }
    return state;
  }

  function pause(reason: PauseReason, seconds: number, now: number): void {
    const until = now + seconds * 1000;
    const previous = pausedUntil.get(reason) ?? 0;
    if (until <= previous) return;
    pausedUntil.set(reason, until);
    if (previous <= now) options.onPause?.({ reason, seconds, group: null });
  }

  function pauseGroup(group: string, seconds: number, now: number): void {
    const state = groupState(group);
    const until = now + seconds * 1000;
    if (until <= state.pausedUntil) return;
    const wasPaused = state.pausedUntil > now;
    state.pausedUntil = until;
    if (!wasPaused) options.onPause?.({ reason: '429', seconds, group });
  }

  /** Until when nothing may start, or 0. */
  function globallyBlockedUntil(now: number): number {
    let until = 0;
    for (const value of pausedUntil.values()) until = Math.max(until, value);
    const downtimeEnd = downtimeEndsAt(options.downtimeWindow, now);
    if (downtimeEnd !== null) {
      if (downtimeEnd !== downtimeEpisodeEnd) {
        downtimeEpisodeEnd = downtimeEnd;
        options.onPause?.({ reason: 'downtime', seconds: (downtimeEnd - now) / 1000, group: null });
      }
      until = Math.max(until, downtimeEnd);
    }
    return until;
  }

  function routeBlockedUntil(route: string): number {
    const group = routeGroups.get(route);
    if (group === undefined) return 0;
    const state = groupState(group);
    return Math.max(state.pausedUntil, state.slow ? state.lastStart + LOW_BUCKET_SPACING_MS : 0);
  }

  function refill(now: number): void {
    tokens = Math.min(capacity, tokens + ((now - refilledAt) * options.maxRps) / 1000);
    refilledAt = now;
  }

  function scheduleWake(at: number): void {
    if (!Number.isFinite(at) || (wake !== null && wake.at <= at)) return;
    wake?.cancel.abort();
    const cancel = new AbortController();
    wake = { at, cancel };
    void clock.sleep(at - clock.now(), cancel.signal).then(() => {
      if (cancel.signal.aborted) return;
      wake = null;
      pump();
    });
  }

  function admit(index: number, now: number): void {
    const [waiter] = waiting.splice(index, 1);
    if (!waiter) return;
    waiter.detach();
    tokens -= 1;
    inflightCount += 1;
    const group = routeGroups.get(waiter.route);
    if (group !== undefined) groupState(group).lastStart = now;
    options.onInflightChange?.(inflightCount);
    let released = false;
    waiter.resolve({
      sequence: waiter.sequence,
      release(response) {
        if (released) return 'done';
        released = true;
        inflightCount -= 1;
        options.onInflightChange?.(inflightCount);
        const verdict = response ? observe(waiter.route, now, response) : 'done';
        pump();
        return verdict;
      },
    });
  }

  function pump(): void {
    while (!closed && waiting.length > 0 && inflightCount < options.maxConcurrency) {
      const now = clock.now();
      const blockedUntil = globallyBlockedUntil(now);
      if (blockedUntil > now) {
        scheduleWake(blockedUntil);
        return;
      }
      refill(now);
      // Tolerance: float refill arithmetic can leave 0.9999999 after waiting exactly one token's time.
      if (tokens < 1 - 1e-9) {
        scheduleWake(now + Math.ceil(((1 - tokens) * 1000) / options.maxRps));
        return;
      }
      let earliest = Infinity;
      let chosen = -1;
      for (let i = 0; i < waiting.length; i += 1) {
        const until = routeBlockedUntil(waiting[i]!.route);
        if (until <= now) {
          chosen = i;
          break;
        }
        earliest = Math.min(earliest, until);
      }
      if (chosen < 0) {
        scheduleWake(earliest);
        return;
      }
      admit(chosen, now);
    }
  }

  /** Updates the error-limit, pause and bucket state from a response; 420/429 re-queue. */
  function observe(route: string, startedAt: number, response: ReleasedResponse): 'done' | 'requeue' {
    const now = clock.now();
    const { status, headers } = response;
    const rateLimit = readRateLimit(headers);
    if (rateLimit) {
      routeGroups.set(route, rateLimit.group);
      const state = groupState(rateLimit.group);
      // The request may have started before its route's group was known.
      state.lastStart = Math.max(state.lastStart, startedAt);
      if (rateLimit.limit !== null && rateLimit.remaining !== null) {
        state.slow = rateLimit.remaining < rateLimit.limit * LOW_BUCKET_SHARE;
      }
    }
    const errorLimit = readErrorLimit(headers);
    if (errorLimit) {
      lowWater = lowWater === null ? errorLimit.remain : Math.min(lowWater, errorLimit.remain);
      options.onErrorLimitRemain?.(errorLimit.remain);
    }
    if (status === 420) {
      pause('420', errorLimitedPauseSeconds(headers), now);
      return 'requeue';
    }
    if (status === 429) {
      const seconds = retryAfterSeconds(headers, now);
      if (rateLimit) pauseGroup(rateLimit.group, seconds, now);
      else pause('429', seconds, now);
      return 'requeue';
    }
    // Without a Reset there is no known end to wait for; the spec fails open on missing headers.
    if (errorLimit && errorLimit.remain <= ERROR_LIMIT_FLOOR && errorLimit.resetSeconds !== null) {
      pause('error_limit', errorLimit.resetSeconds + 1, now);
    }
    return 'done';
  }

  function enqueue(waiter: Waiter): void {
    let index = waiting.length;
    while (index > 0) {
      const before = waiting[index - 1]!;
      if (before.rank < waiter.rank || (before.rank === waiter.rank && before.sequence < waiter.sequence)) break;
      index -= 1;
    }
    waiting.splice(index, 0, waiter);
  }

  return {
    acquire({ route, priority, sequence, signal }) {
      if (closed) return Promise.reject(new GovernorClosedError());
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<GovernorSlot>((resolve, reject) => {
        const onAbort = () => {
          const index = waiting.indexOf(waiter);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          route,
          rank: PRIORITY_RANK[priority],
          sequence: sequence ?? nextSequence++,
          resolve,
          reject,
          detach: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        enqueue(waiter);
        pump();
      });
    },
    inflight: () => inflightCount,
    errorLimitLowWater: () => lowWater,
    resetErrorLimitLowWater() {
      lowWater = null;
    },
    isDowntime: (now = clock.now()) => isDowntime(options.downtimeWindow, now),
    close() {
      closed = true;
      wake?.cancel.abort();
      wake = null;
      for (const waiter of waiting.splice(0)) {
        waiter.detach();
        waiter.reject(new GovernorClosedError());
      }
    },
  };
}
