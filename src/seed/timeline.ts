/**
 * When a synthetic contract was issued, expires, was first and last seen by its region's sweeps, and
 * whether a sweep closed it (docs/sync.md §5.1, §5.3). Ages follow a steady-state listing: a contract's
 * position in the id sequence picks its age, so ids grow with date_issued as ESI's do.
 */
import { closeReasonAt, type CloseReason } from '../domain/price-history.js';
import type { Random } from './random.js';
import type { RegionPlan } from './universe.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const DAY = 86_400 * SECOND;

const CLOSED_SHARE = 0.05;
// Open contracts that expired after their region's last sweep: the API must hide them by date.
const EXPIRED_SINCE_SWEEP_SHARE = 0.01;

// The in-game expiry choices; most sellers take the longest.
const LIFETIMES: readonly (readonly [days: number, weight: number])[] = [
  [1, 0.05],
  [3, 0.08],
  [7, 0.12],
  [14, 0.2],
  [28, 0.55],
];

export interface Timeline {
  issued: number;
  expired: number;
  firstSeen: number;
  lastSeen: number;
  closedAt: number | null;
  closeReason: CloseReason | null;
}

// Age density of a listing in steady state: ∝ the share of lifetimes longer than the age.
const AGE_SEGMENTS = LIFETIMES.map(([days], i) => {
  const from = i === 0 ? 0 : LIFETIMES[i - 1]![0];
  const survival = LIFETIMES.slice(i).reduce((sum, [, weight]) => sum + weight, 0);
  return { from, to: days, survival, mass: survival * (days - from) };
});
const AGE_MASS = AGE_SEGMENTS.reduce((sum, segment) => sum + segment.mass, 0);

/** The age (ms) of a listed contract at quantile `q` of the age distribution. */
function ageAt(q: number): number {
  let rest = Math.min(Math.max(q, 0), 1) * AGE_MASS;
  for (const segment of AGE_SEGMENTS) {
    if (rest <= segment.mass) return (segment.from + rest / segment.survival) * DAY;
    rest -= segment.mass;
  }
  return LIFETIMES[LIFETIMES.length - 1]![0] * DAY;
}

function lifetimeWhere(random: Random, accept: (ms: number) => boolean): number | null {
  const candidates = LIFETIMES.filter(([days]) => accept(days * DAY));
  return candidates.length === 0 ? null : random.weighted(candidates) * DAY;
}

const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;

/**
 * Issue, expiry and sightings of a contract seen by the region's sweeps: open ones were in the last
 * sweep; closed ones (about 5 %) vanished at an earlier sweep, expired or gone early (accepted/withdrawn).
 */
export function contractTimeline(region: RegionPlan, quantile: number, now: number, random: Random): Timeline {
  const swept = region.sweptAt;
  let issued = floorSecond(swept - Math.min(ageAt(quantile), 28 * DAY - MINUTE));
  const firstSeenAfter = (at: number) => Math.min(at + random.int(30, 1800) * SECOND, swept);
  const roll = random.next();
  if (roll < CLOSED_SHARE / 2) {
    const lifetime = lifetimeWhere(random, (ms) => issued + ms <= swept - MINUTE);
    if (lifetime !== null) {
      const expired = issued + lifetime;
      const closedAt = Math.min(swept, expired + random.int(0, 1800) * SECOND);
      return {
        issued,
        expired,
        firstSeen: firstSeenAfter(issued),
        lastSeen: expired - random.int(1, 1800) * SECOND,
        closedAt,
        closeReason: closeReasonAt(closedAt, expired),
      };
    }
  }
  if (roll >= 1 - EXPIRED_SINCE_SWEEP_SHARE) {
    const lifetime = lifetimeWhere(random, (ms) => ms <= 14 * DAY)!;
    const expired = floorSecond(swept + SECOND + random.next() * Math.max(0, now - swept - SECOND));
    issued = expired - lifetime;
    return { issued, expired, firstSeen: firstSeenAfter(issued), lastSeen: swept, closedAt: null, closeReason: null };
  }
  const lifetime = lifetimeWhere(random, (ms) => issued + ms > swept)!;
  const expired = issued + lifetime;
  const firstSeen = firstSeenAfter(issued);
  if (roll < CLOSED_SHARE) {
    const from = firstSeen + MINUTE;
    const until = Math.min(expired, swept) - SECOND;
    if (until > from) {
      const closedAt = floorSecond(from + random.next() * (until - from));
      const lastSeen = Math.max(firstSeen, closedAt - random.int(60, 1800) * SECOND);
      // Usually gone early; within EXPIRY_GRACE_MS of the expiry the sync counts it as expired too.
      return { issued, expired, firstSeen, lastSeen, closedAt, closeReason: closeReasonAt(closedAt, expired) };
    }
  }
  return { issued, expired, firstSeen, lastSeen: swept, closedAt: null, closeReason: null };
}
