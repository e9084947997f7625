import type { EsiHeaders } from './types.js';
import { parseHttpDate } from './http-date.js';

/** docs/sync.md §3.3: no Cache-Control max-age and no valid Expires. */
export const DEFAULT_LIFETIME_SECONDS = 300;
/** docs/sync.md §3.3: a region is never re-polled sooner than this after page 1, even if Expires is past. */
export const MIN_POLL_INTERVAL_SECONDS = 30;

interface Directive {
  readonly name: string;
  readonly value: string | null;
}

function cacheControlDirectives(headers: EsiHeaders): Directive[] {
  const raw = headers['cache-control'];
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return { name: part.toLowerCase(), value: null };
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return { name: part.slice(0, eq).trim().toLowerCase(), value };
    });
}

function nonNegativeInteger(value: string | null | undefined): number | null {
  if (value == null || !/^\d+$/.test(value.trim())) return null;
  const parsed = Number(value.trim());
  return Number.isSafeInteger(parsed) ? parsed : null;
}

/** `max-age` in seconds when a well-formed directive is present; malformed or valueless ones are ignored. */
function maxAgeSeconds(headers: EsiHeaders): number | null {
  for (const directive of cacheControlDirectives(headers)) {
    if (directive.name !== 'max-age') continue;
    const seconds = nonNegativeInteger(directive.value);
    if (seconds !== null) return seconds;
  }
  return null;
}

/**
 * Seconds a response stays fresh (docs/sync.md §3.3), never negative: `max-age` − `Age`, else
 * `Expires` − `Date` (the server's clock, so local clock skew cancels out; the receive time when
 * `Date` is missing or invalid), else 300 s.
 */
export function responseLifetimeSeconds(headers: EsiHeaders, receivedAt: Date): number {
  const maxAge = maxAgeSeconds(headers);
  if (maxAge !== null) {
    const age = nonNegativeInteger(headers['age']) ?? 0;
    return Math.max(0, maxAge - age);
  }
  const expires = parseHttpDate(headers['expires']);
  if (expires !== null) {
    const base = parseHttpDate(headers['date']) ?? receivedAt.getTime();
    return Math.max(0, (expires - base) / 1000);
  }
  return DEFAULT_LIFETIME_SECONDS;
}

/** Whether `Cache-Control` forbids storing the body; the lifetime still governs polling. */
export function isNoStore(headers: EsiHeaders): boolean {
  return cacheControlDirectives(headers).some((directive) => directive.name === 'no-store');
}

/**
 * When a region may be polled again: receive time of page 1 + max(lifetime, 30 s) + uniform 5–20 s.
 * ESI regenerates lazily after expiry, so the jitter avoids arriving exactly at the boundary; the
 * floor stops a hot loop when `Expires` is already past.
 */
export function nextPollTime(receivedAt: Date, lifetimeSeconds: number, random: () => number = Math.random): Date {
  const jitterSeconds = 5 + 15 * random();
  const waitSeconds = Math.max(lifetimeSeconds, MIN_POLL_INTERVAL_SECONDS) + jitterSeconds;
  return new Date(receivedAt.getTime() + waitSeconds * 1000);
}

/**
 * The listing's cache period, `Expires` − `Last-Modified` in seconds, or null when either header is
 * missing or invalid. Used to keep a sweep from straddling a regeneration (docs/sync.md §3.3).
 */
export function cachePeriodSeconds(headers: EsiHeaders): number | null {
  const expires = parseHttpDate(headers['expires']);
  const lastModified = parseHttpDate(headers['last-modified']);
  if (expires === null || lastModified === null) return null;
  return (expires - lastModified) / 1000;
}

/**
 * Whether page 1 arrived too close to its expiry for a sweep to finish before ESI regenerates:
 * under min(60 s, a quarter of the cache period) left. The quarter keeps short periods (the fake
 * ESI in tests) from waiting forever; with no known period there is nothing to straddle.
 */
export function shouldAwaitRegeneration(lifetimeSeconds: number, periodSeconds: number | null): boolean {
  if (periodSeconds === null || periodSeconds <= 0) return false;
  return lifetimeSeconds < Math.min(60, periodSeconds / 4);
}
