import { setMaxListeners } from 'node:events';
import { Pool, type Dispatcher } from 'undici';
import type { AppConfig } from '../config.js';
import { systemClock, type EsiClock } from './clock.js';
import { sendAttempt, type AttemptOutcome, type AttemptRequest } from './esi-transport.js';
import type { Governor } from './governor.js';
import type { EsiClient, EsiRequest, EsiResult, EsiRoute } from './types.js';

/** docs/sync.md §3.6: transient failures get at most this many attempts in total. */
export const MAX_ATTEMPTS = 3;
/** docs/sync.md §3.5: a request re-queued by 420/429 more than this many times becomes transient. */
export const MAX_REQUEUES = 5;
const BACKOFF_UNIT_MS = 1000;

export interface EsiResponseEvent {
  readonly route: EsiRoute;
  /** HTTP status, or 'error' when no status arrived (timeout, reset, refused). */
  readonly status: number | 'error';
  /** From the attempt's start (after admission) until its body is in and decoded. */
  readonly seconds: number;
}

export type EsiClientConfig = Pick<AppConfig, 'esiBaseUrl' | 'esiUserAgent' | 'esiCompatibilityDate' | 'esiTimeoutMs'>;

export interface EsiClientDeps {
  readonly config: EsiClientConfig;
  /** Owned by the client from now on: `close()` closes it. */
  readonly dispatcher: Dispatcher;
  /** The process's one governor (docs/sync.md §1 I5); not closed by the client. */
  readonly governor: Governor;
  readonly clock?: EsiClock;
  /** uniform [0, 1) for the retry jitter. */
  readonly random?: () => number;
  /** Called once per attempt, for `hangar_bay_esi_requests_total` and the duration histogram. */
  readonly onResponse?: (event: EsiResponseEvent) => void;
}

/**
 * The production transport: one keep-alive pool for the ESI origin with at most
 * ESI_MAX_CONCURRENCY connections (docs/sync.md §3.2). Pipelining stays at 1 so a slow response never
 * holds up the ones queued behind it on the same socket.
 */
export function createEsiDispatcher(config: Pick<AppConfig, 'esiBaseUrl' | 'esiMaxConcurrency' | 'esiTimeoutMs'>): Dispatcher {
  return new Pool(new URL(config.esiBaseUrl).origin, {
    connections: config.esiMaxConcurrency,
    pipelining: 1,
    connectTimeout: config.esiTimeoutMs,
  });
}

type Classified = { readonly retry: false; readonly result: EsiResult } | { readonly retry: true; readonly reason: string };

function classify(outcome: AttemptOutcome): Classified {
  if (outcome.kind === 'failure') return { retry: true, reason: outcome.reason };
  const { status, headers, body, receivedAt } = outcome;
  if (status >= 500) return { retry: true, reason: `http ${status}` };
  if ((status >= 200 && status <= 299) || status === 304) {
    let json: unknown = null;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return { retry: true, reason: `invalid json (http ${status}, ${body.length} bytes)` };
      }
    }
    return { retry: false, result: { kind: 'ok', status, body, json, headers, receivedAt } };
  }
  return { retry: false, result: { kind: 'definite', status, headers, receivedAt } };
}

function buildAttempt(config: EsiClientConfig, request: EsiRequest): AttemptRequest {
  const base = new URL(config.esiBaseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const entries = Object.entries(request.query ?? {}).map(([key, value]): [string, string] => [key, String(value)]);
  const query = entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : '';
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = {
    'user-agent': config.esiUserAgent,
    'x-compatibility-date': config.esiCompatibilityDate,
    // undici's request() does not decompress; sendAttempt does, after the whole body is in.
    'accept-encoding': 'gzip',
    accept: 'application/json',
    // Type names are localized; the stored names must be English.
    'accept-language': 'en',
  };
  let body: string | undefined;
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body ?? null);
  }
  // An empty If-None-Match would be a malformed precondition (docs/sync.md §3.1).
  if (request.ifNoneMatch !== undefined && request.ifNoneMatch !== '') headers['if-none-match'] = request.ifNoneMatch;
  return { origin: base.origin, path: `${prefix}${request.path}${query}`, method, headers, body };
}

/**
 * The ESI client of docs/sync.md §3: every attempt through the governor, the §3.1 headers, an end-to-end
 * timeout per attempt, complete decompressed bodies, and the §3.6 retry policy (transient: 3
 * attempts with jittered backoff; 420/429: re-queued by the governor; other 4xx: no retry).
 */
export function createEsiClient(deps: EsiClientDeps): EsiClient {
  const { config, dispatcher, governor } = deps;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const closing = new AbortController();
  // Every waiting and in-flight request listens for close; thousands may be queued.
  setMaxListeners(0, closing.signal);
  let sent = 0;
  const closed: EsiResult = { kind: 'transient', reason: 'client closed' };

  async function request(request: EsiRequest): Promise<EsiResult> {
    const attempt = buildAttempt(config, request);
    const priority = request.priority ?? 'normal';
    let failures = 0;
    let requeues = 0;
    let sequence: number | undefined;
    for (;;) {
      if (closing.signal.aborted) return closed;
      let slot;
      try {
        slot = await governor.acquire({ route: request.route, priority, sequence, signal: closing.signal });
      } catch {
        return closed;
      }
      sequence = slot.sequence;
      sent += 1;
      const startedAt = clock.now();
      const outcome = await sendAttempt(dispatcher, attempt, config.esiTimeoutMs, clock, closing.signal);
      const verdict = slot.release(outcome.status !== null && outcome.headers !== null ? { status: outcome.status, headers: outcome.headers } : null);
      deps.onResponse?.({ route: request.route, status: outcome.status ?? 'error', seconds: (clock.now() - startedAt) / 1000 });
      if (closing.signal.aborted) return closed;
      if (verdict === 'requeue') {
        requeues += 1;
        // Re-queues are not attempts: the wait was ESI's doing, not a failure of this request.
        if (requeues > MAX_REQUEUES) return { kind: 'transient', reason: `re-queued ${requeues} times (last http ${outcome.status})` };
        continue;
      }
      const classified = classify(outcome);
      if (!classified.retry) return classified.result;
      failures += 1;
      if (failures >= MAX_ATTEMPTS) return { kind: 'transient', reason: classified.reason };
      // Before attempt k+1: uniform(0.5, 1.0) × 1 s × 2^(k−1), i.e. 0.5–1 s then 1–2 s.
      const waitMs = (0.5 + 0.5 * random()) * BACKOFF_UNIT_MS * 2 ** (failures - 1);
      await clock.sleep(waitMs, closing.signal);
    }
  }

  return {
    request,
    requestCount: () => sent,
    async close() {
      closing.abort(new Error('ESI client closed'));
      await dispatcher.close().catch(() => {});
    },
  };
}
