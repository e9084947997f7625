import { describe, expect, it } from 'vitest';
import {
  errorLimitedPauseSeconds,
  readErrorLimit,
  readRateLimit,
  retryAfterSeconds,
} from '../../../src/esi/throttle-headers.js';

const NOW = Date.parse('2026-07-21T09:00:00Z');
const httpDate = (ms: number) => new Date(ms).toUTCString();

describe('Retry-After (case 83)', () => {
  it.each([
    ['7', {}, 7],
    ['2.5', {}, 2.5],
    ['0', {}, 1],
    ['3600', {}, 900],
    ['-5', {}, 60],
    ['soon', {}, 60],
    [undefined, {}, 60],
    // HTTP-date: measured from the response's Date, which cancels a local clock 10 min off.
    [httpDate(NOW - 600_000 + 30_000), { date: httpDate(NOW - 600_000) }, 30],
    // No Date header: measured from the local receive time.
    [httpDate(NOW + 45_000), {}, 45],
    // A date already past is negative → 60 s.
    [httpDate(NOW - 5000), { date: httpDate(NOW) }, 60],
  ])('Retry-After %s → %d s', (retryAfter, extra, expected) => {
    const headers: Record<string, string> = { ...extra };
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    expect(retryAfterSeconds(headers, NOW)).toBe(expected);
  });
});

describe('error-limit headers', () => {
  it('reads Remain and Reset; absent Remain fails open', () => {
    expect(readErrorLimit({ 'x-esi-error-limit-remain': '20', 'x-esi-error-limit-reset': '10' })).toEqual({ remain: 20, resetSeconds: 10 });
    expect(readErrorLimit({ 'x-esi-error-limit-remain': '5' })).toEqual({ remain: 5, resetSeconds: null });
    expect(readErrorLimit({ 'x-esi-error-limit-reset': '10' })).toBeNull();
    expect(readErrorLimit({ 'x-esi-error-limit-remain': 'many' })).toBeNull();
  });

  it('420 pauses Reset + 1 s, else 60 s', () => {
    expect(errorLimitedPauseSeconds({ 'x-esi-error-limit-reset': '37' })).toBe(38);
    expect(errorLimitedPauseSeconds({})).toBe(60);
    expect(errorLimitedPauseSeconds({ 'x-esi-error-limit-reset': 'later' })).toBe(60);
  });
});

describe('bucket rate-limit headers', () => {
  it('reads group, limit count and remaining', () => {
    expect(readRateLimit({ 'x-ratelimit-group': 'contracts', 'x-ratelimit-limit': '150/15m', 'x-ratelimit-remaining': '14' })).toEqual({
      group: 'contracts',
      limit: 150,
      remaining: 14,
    });
    expect(readRateLimit({ 'x-ratelimit-limit': '150/15m', 'x-ratelimit-remaining': '14' })).toBeNull();
    expect(readRateLimit({ 'x-ratelimit-group': 'g', 'x-ratelimit-limit': 'lots' })).toEqual({ group: 'g', limit: null, remaining: null });
  });
});
