import { describe, expect, it } from 'vitest';
import { isHighSecSecurity } from '../../../src/map/security.js';

describe('isHighSecSecurity', () => {
  it('is high-sec from true security 0.45 up (0.5 rounded half-up to one decimal)', () => {
    expect([0.45, 0.4502, 0.5, 0.9459, 1].map(isHighSecSecurity)).toEqual([true, true, true, true, true]);
    expect([0.4499, 0.44, 0.35, 0.1, 0, -0.0327, -1].map(isHighSecSecurity)).toEqual([false, false, false, false, false, false, false]);
  });

  it('reads a float32 0.45, as ESI reports it, as 0.45', () => {
    expect(isHighSecSecurity(Math.fround(0.45))).toBe(true);
    expect(Math.fround(0.45) < 0.45).toBe(true);
    expect(isHighSecSecurity(Math.fround(0.4499))).toBe(false);
  });
});
