import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from '../../../src/domain/code-point-order.js';
import { formatTimestamp, formatTimestampMicros, timestampMicros } from '../../../src/domain/contract-wire.js';

describe('compareCodePoints', () => {
  it('is the order of the strings code point by code point (PostgreSQL COLLATE "C" on UTF-8)', () => {
    const byCodePoints = (a: string, b: string) => {
      const left = [...a].map((ch) => ch.codePointAt(0)!);
      const right = [...b].map((ch) => ch.codePointAt(0)!);
      for (let i = 0; i < Math.min(left.length, right.length); i++) if (left[i] !== right[i]) return left[i]! - right[i]!;
      return left.length - right.length;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(byCodePoints(a, b)));
      }),
      { numRuns: 2000 },
    );
    expect(compareCodePoints('\uFF21', '\u{1F680}')).toBeLessThan(0);
  });
});

describe('timestamps in microseconds', () => {
  it('PostgreSQL text → microseconds → the wire format equals formatting the text directly', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 999_999 }), fc.boolean(), (date, micros, whole) => {
        const base = date.toISOString().slice(0, 19).replace('T', ' ');
        const fraction = whole ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '') || '0'}`;
        const text = `${base}${fraction}+00`;
        expect(formatTimestampMicros(timestampMicros(text))).toBe(formatTimestamp(text));
      }),
    );
  });
});
