import { describe, expect, it } from 'vitest';
import {
  cachePeriodSeconds,
  isNoStore,
  nextPollTime,
  responseLifetimeSeconds,
  shouldAwaitRegeneration,
} from '../../../src/esi/cache-lifetime.js';
import { parseHttpDate } from '../../../src/esi/http-date.js';

const SERVER_NOW = Date.parse('2026-07-21T09:00:00Z');
const httpDate = (ms: number) => new Date(ms).toUTCString();
const DATE = httpDate(SERVER_NOW);
const IN_AN_HOUR = httpDate(SERVER_NOW + 3600_000);
/** The local clock 5 minutes ahead of ESI's. */
const RECEIVED = new Date(SERVER_NOW + 300_000);

describe('responseLifetimeSeconds (case 77)', () => {
  it.each([
    ['max-age=300 + Age: 100 → 200 s', { 'cache-control': 'public, max-age=300', age: '100', date: DATE }, 200],
    ['max-age=300 + Expires in 1 h → 300 s (max-age wins)', { 'cache-control': 'max-age=300', expires: IN_AN_HOUR, date: DATE }, 300],
    ['MAX-AGE=60 → 60 s', { 'cache-control': 'MAX-AGE=60' }, 60],
    ['bad max-age → the Expires rule', { 'cache-control': 'max-age=soon', expires: IN_AN_HOUR, date: DATE }, 3600],
    ['negative max-age → the Expires rule', { 'cache-control': 'max-age=-5', expires: IN_AN_HOUR, date: DATE }, 3600],
    ['valueless max-age → the Expires rule', { 'cache-control': 'max-age', expires: IN_AN_HOUR, date: DATE }, 3600],
    ['s-maxage is not max-age', { 'cache-control': 's-maxage=10', expires: IN_AN_HOUR, date: DATE }, 3600],
    ['Age: xyz → 0', { 'cache-control': 'max-age=300', age: 'xyz' }, 300],
    ['Age: 400 → 0 s', { 'cache-control': 'max-age=300', age: '400' }, 0],
    ['public + Expires = Date + 1800 → 1800 s, local clock 5 min off', { 'cache-control': 'public', expires: httpDate(SERVER_NOW + 1800_000), date: DATE }, 1800],
    ['no Date → Expires − receive time', { 'cache-control': 'public', expires: httpDate(SERVER_NOW + 1800_000) }, 1500],
    ['invalid Date → Expires − receive time', { expires: httpDate(SERVER_NOW + 1800_000), date: 'yesterday' }, 1500],
    ['Expires in the past → 0', { expires: httpDate(SERVER_NOW - 60_000), date: DATE }, 0],
    ['no Expires → 300 s', { 'cache-control': 'public', date: DATE }, 300],
    ['bad Expires → 300 s', { expires: '0', date: DATE }, 300],
    ['Expires on 31 Feb → 300 s', { expires: 'Tue, 31 Feb 2026 10:00:00 GMT', date: DATE }, 300],
  ])('%s', (_label, headers, expected) => {
    expect(responseLifetimeSeconds(headers, RECEIVED)).toBe(expected);
  });

  it('no-store forbids storing but the lifetime still applies', () => {
    const headers = { 'cache-control': 'No-Store, max-age=120' };
    expect(isNoStore(headers)).toBe(true);
    expect(responseLifetimeSeconds(headers, RECEIVED)).toBe(120);
    expect(isNoStore({ 'cache-control': 'public' })).toBe(false);
    expect(isNoStore({})).toBe(false);
  });
});

describe('parseHttpDate', () => {
  it('reads the three HTTP-date forms and nothing else', () => {
    const expected = Date.parse('1994-11-06T08:49:37Z');
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(expected);
    for (const bad of ['0', '', '2026-07-21T09:00:00Z', 'Sun, 06 Nov 1994 08:49:37 PST', 'Sun, 06 Foo 1994 08:49:37 GMT']) {
      expect(parseHttpDate(bad)).toBeNull();
    }
  });
});

describe('nextPollTime (case 78)', () => {
  const received = new Date(SERVER_NOW);
  const offset = (lifetime: number, random: number) => (nextPollTime(received, lifetime, () => random).getTime() - SERVER_NOW) / 1000;

  it('lifetime 1800 → page-1 receive + [1805, 1820] s', () => {
    expect(offset(1800, 0)).toBe(1805);
    expect(offset(1800, 0.999999)).toBeCloseTo(1820, 2);
    for (let i = 0; i < 100; i += 1) {
      const seconds = (nextPollTime(received, 1800).getTime() - SERVER_NOW) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(1805);
      expect(seconds).toBeLessThanOrEqual(1820);
    }
  });

  it('Expires in the past (lifetime 0) → + [35, 50] s: the 30 s floor stops a hot loop', () => {
    expect(offset(0, 0)).toBe(35);
    expect(offset(0, 0.999999)).toBeCloseTo(50, 2);
    expect(offset(12, 0)).toBe(35);
  });
});

describe('cache period and regeneration (case 79)', () => {
  it('cachePeriodSeconds is Expires − Last-Modified, null when either is missing', () => {
    const lastModified = httpDate(SERVER_NOW);
    expect(cachePeriodSeconds({ expires: httpDate(SERVER_NOW + 1800_000), 'last-modified': lastModified })).toBe(1800);
    expect(cachePeriodSeconds({ expires: httpDate(SERVER_NOW + 1800_000) })).toBeNull();
    expect(cachePeriodSeconds({ 'last-modified': lastModified })).toBeNull();
  });

  it('10 s left of an 1800 s period → wait; 10 s left of a 20 s period → no wait', () => {
    expect(shouldAwaitRegeneration(10, 1800)).toBe(true);
    expect(shouldAwaitRegeneration(60, 1800)).toBe(false);
    expect(shouldAwaitRegeneration(10, 20)).toBe(false);
    expect(shouldAwaitRegeneration(4, 20)).toBe(true);
    expect(shouldAwaitRegeneration(0, null)).toBe(false);
  });
});
