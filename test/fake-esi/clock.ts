/**
 * The fake ESI's own clock. Tests run it virtual (time moves only when told) so cache expiry,
 * regeneration and the error-limit window can be driven without waiting; the demo runs it real.
 * `advance` works in both modes, so a real-clock demo can still skip ahead.
 */
export type ClockMode = 'real' | 'virtual';

export class FakeClock {
  private offsetMs = 0;
  private readonly realStart = Date.now();
  private readonly startMs: number;

  constructor(
    readonly mode: ClockMode,
    start?: Date | string | number,
  ) {
    const parsed = start === undefined ? Date.now() : new Date(start).getTime();
    if (!Number.isFinite(parsed)) throw new Error(`fake ESI: invalid startTime ${String(start)}`);
    this.startMs = parsed;
  }

  /** Epoch milliseconds. */
  now(): number {
    const elapsed = this.mode === 'real' ? Date.now() - this.realStart : 0;
    return this.startMs + elapsed + this.offsetMs;
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error('fake ESI: the clock only moves forward');
    this.offsetMs += seconds * 1000;
  }
}

/** Whole seconds: ESI's HTTP dates and ISO timestamps have no fractions. */
export function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** `Sun, 06 Sep 2020 15:25:20 GMT`. */
export function httpDate(ms: number): string {
  return new Date(floorSecond(ms)).toUTCString();
}

/** `2023-04-03T05:48:04Z`, ESI's date-time form. */
export function isoSeconds(ms: number): string {
  return new Date(floorSecond(ms)).toISOString().replace('.000Z', 'Z');
}

const DAY_MS = 86_400_000;
const DOWNTIME_EXPIRY_MS = (11 * 60 + 5) * 60_000;

/** Universe objects expire at the next 11:05 UTC (just after the daily restart). */
export function nextDowntimeExpiry(ms: number): number {
  const today = Math.floor(ms / DAY_MS) * DAY_MS + DOWNTIME_EXPIRY_MS;
  return today > ms ? today : today + DAY_MS;
}

export function previousDowntimeExpiry(ms: number): number {
  return nextDowntimeExpiry(ms) - DAY_MS;
}
