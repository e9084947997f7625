import type { EsiHeaders } from './types.js';
import { parseHttpDate } from './http-date.js';

/** docs/sync.md §3.5: a 420 or 429 whose header is absent or invalid pauses this long. */
export const DEFAULT_THROTTLE_SECONDS = 60;
const RETRY_AFTER_MIN_SECONDS = 1;
const RETRY_AFTER_MAX_SECONDS = 900;

function nonNegativeInteger(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const parsed = Number(value.trim());
  return Number.isSafeInteger(parsed) ? parsed : null;
}

export interface ErrorLimitState {
  readonly remain: number;
  /** Seconds until ESI's error window resets, or null when the header is absent or invalid. */
  readonly resetSeconds: number | null;
}

/** `X-ESI-Error-Limit-Remain` / `-Reset`, or null without a usable Remain (fail open). */
export function readErrorLimit(headers: EsiHeaders): ErrorLimitState | null {
  const remain = nonNegativeInteger(headers['x-esi-error-limit-remain']);
  if (remain === null) return null;
  return { remain, resetSeconds: nonNegativeInteger(headers['x-esi-error-limit-reset']) };
}

/** How long a 420 pauses everything: `X-ESI-Error-Limit-Reset` + 1 s, else 60 s. */
export function errorLimitedPauseSeconds(headers: EsiHeaders): number {
  const reset = nonNegativeInteger(headers['x-esi-error-limit-reset']);
  return reset === null ? DEFAULT_THROTTLE_SECONDS : reset + 1;
}

/**
 * How long a 429 pauses its group (docs/sync.md §3.5): `Retry-After` as delta-seconds (decimals allowed)
 * or an HTTP-date measured against the response's `Date` (else the local receive time); absent,
 * invalid or negative → 60 s; the result clamped to [1, 900] s.
 */
export function retryAfterSeconds(headers: EsiHeaders, receivedAt: number): number {
  const raw = headers['retry-after']?.trim();
  let seconds: number | null = null;
  if (raw !== undefined && /^-?\d+(\.\d+)?$/.test(raw)) {
    seconds = Number(raw);
  } else if (raw !== undefined) {
    const until = parseHttpDate(raw);
    if (until !== null) seconds = (until - (parseHttpDate(headers['date']) ?? receivedAt)) / 1000;
  }
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) seconds = DEFAULT_THROTTLE_SECONDS;
  return Math.min(RETRY_AFTER_MAX_SECONDS, Math.max(RETRY_AFTER_MIN_SECONDS, seconds));
}

export interface RateLimitState {
  readonly group: string;
  readonly limit: number | null;
  readonly remaining: number | null;
}

/** The bucket rate-limit headers, or null when the response names no group. */
export function readRateLimit(headers: EsiHeaders): RateLimitState | null {
  const group = headers['x-ratelimit-group']?.trim();
  if (group === undefined || group === '') return null;
  // `<n>/<window>`, e.g. `150/15m`; only the count matters for the 10 % rule.
  const limitMatch = /^(\d+)\s*\/\s*\d+\s*[smhd]?$/i.exec(headers['x-ratelimit-limit']?.trim() ?? '');
  const limit = limitMatch ? Number(limitMatch[1]) : null;
  return { group, limit: limit !== null && limit > 0 ? limit : null, remaining: nonNegativeInteger(headers['x-ratelimit-remaining']) };
}
