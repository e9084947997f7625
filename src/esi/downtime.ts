import type { DowntimeWindow } from '../config.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

function minuteOfDay(now: number): number {
  const date = new Date(now);
  return date.getUTCHours() * 60 + date.getUTCMinutes();
}

/**
 * Whether `now` falls inside ESI's daily downtime window (docs/sync.md §3.7). The window is half-open in
 * whole UTC minutes, [start, end): `10:58-11:20` covers 10:58:00 through 11:19:59. An end before the
 * start wraps past midnight; equal ends make an empty window; `null` (`off`) is never inside.
 */
export function isDowntime(window: DowntimeWindow | null, now: Date | number): boolean {
  if (window === null || window.startMinute === window.endMinute) return false;
  const minute = minuteOfDay(typeof now === 'number' ? now : now.getTime());
  return window.startMinute < window.endMinute
    ? minute >= window.startMinute && minute < window.endMinute
    : minute >= window.startMinute || minute < window.endMinute;
}

/** When the window containing `now` ends (ms since the epoch), or null when `now` is outside it. */
export function downtimeEndsAt(window: DowntimeWindow | null, now: number): number | null {
  if (window === null || !isDowntime(window, now)) return null;
  const startOfMinute = now - (now % MINUTE_MS);
  const minutesLeft = (window.endMinute - minuteOfDay(now) + DAY_MINUTES) % DAY_MINUTES;
  return startOfMinute + minutesLeft * MINUTE_MS;
}
