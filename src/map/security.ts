/**
 * Whether a system's true security makes it high-sec: rounded half-up to one decimal it is ≥ 0.5,
 * that is true security ≥ 0.45 (a 0.4499 system is low-sec).
 */
export function isHighSecSecurity(security: number): boolean {
  // Compared in ten-thousandths, the map's precision: a source that stores security as float32
  // (ESI does) gives 0.45 as 0.44999998…, which a plain `>= 0.45` would call low-sec.
  return Math.round(security * 10_000) >= 4_500;
}
