import { describe, expect, it } from 'vitest';
import { STATIC_KNOWN_SPACE_REGION_IDS } from '../../../src/domain/eve-regions.js';
import type { RegionListResult, RegionListSource } from '../../../src/esi/region-list.js';
import { createMemoryCache } from '../../../src/cache/key-value-cache.js';
import { createRegionSet, MIN_REGION_LIST_REFRESH_MS } from '../../../src/sync/region-set.js';

const START = Date.parse('2026-11-27T12:00:00Z');
const HOUR = 3_600_000;
const FORGE = 10000002;
const DOMAIN = 10000043;

/** An E8 that answers from a script (the last answer repeats) and records the ETag of each call. */
function scriptedSource(answers: RegionListResult[]) {
  const etags: (string | null)[] = [];
  const source: RegionListSource = {
    async fetch(etag) {
      etags.push(etag);
      return answers[Math.min(etags.length - 1, answers.length - 1)]!;
    },
  };
  return { source, etags };
}

function setup(options: { swept?: number[] | Error } = {}) {
  let now = START;
  const warnings: string[] = [];
  const regionSet = createRegionSet({
    selection: 'all',
    sweptRegionIds: async () => {
      if (options.swept instanceof Error) throw options.swept;
      return options.swept ?? [];
    },
    now: () => new Date(now),
    logger: { info: () => {}, warn: (_fields: unknown, message?: string) => warnings.push(message ?? '') },
  });
  return { regionSet, warnings, advance: (ms: number) => (now += ms) };
}

const listed = (ids: number[], expiresInMs = 23 * HOUR, etag = '"v1"'): RegionListResult => ({
  kind: 'ok', ids, etag, expiresAt: new Date(START + expiresInMs),
});
const failed: RegionListResult = { kind: 'failed', reason: 'http 503' };

describe('region set (AGGREGATION_REGION_IDS=all)', () => {
  it('a list of ids is returned as configured, with no E8 request', async () => {
    const { source, etags } = scriptedSource([listed([FORGE])]);
    const regionSet = createRegionSet({ selection: [DOMAIN, FORGE], sweptRegionIds: async () => [], now: () => new Date(START), logger: { info() {}, warn() {} } });
    expect(await regionSet.forRun(source)).toEqual([DOMAIN, FORGE]);
    expect(await regionSet.current()).toEqual([DOMAIN, FORGE]);
    expect(etags).toEqual([]);
  });

  it('keeps only known-space ids (10000001–10999999) of E8, and asks again only once the list has expired', async () => {
    const { regionSet, advance } = setup();
    const { source, etags } = scriptedSource([listed([11000001, DOMAIN, 12000005, FORGE, 10999999, 11000000, 14000001, FORGE])]);
    expect(await regionSet.forRun(source)).toEqual([FORGE, DOMAIN, 10999999]);
    advance(22 * HOUR);
    expect(await regionSet.forRun(source)).toEqual([FORGE, DOMAIN, 10999999]);
    expect(etags).toEqual([null]);
    advance(HOUR);
    await regionSet.forRun(source);
    // Conditional against the held list.
    expect(etags).toEqual([null, '"v1"']);
  });

  it('a 304 keeps the held list until the new expiry', async () => {
    const { regionSet, advance } = setup();
    const { source, etags } = scriptedSource([listed([FORGE], HOUR), { kind: 'not-modified', expiresAt: new Date(START + 25 * HOUR) }]);
    await regionSet.forRun(source);
    advance(HOUR);
    expect(await regionSet.forRun(source)).toEqual([FORGE]);
    advance(23 * HOUR);
    expect(await regionSet.forRun(source)).toEqual([FORGE]);
    expect(etags).toEqual([null, '"v1"']);
  });

  it('a past Expires is not refetched for an hour', async () => {
    const { regionSet, advance } = setup();
    const { source, etags } = scriptedSource([listed([FORGE], -60_000)]);
    await regionSet.forRun(source);
    advance(MIN_REGION_LIST_REFRESH_MS - 1);
    await regionSet.forRun(source);
    expect(etags).toHaveLength(1);
    advance(1);
    await regionSet.forRun(source);
    expect(etags).toHaveLength(2);
  });

  it.each([
    ['a failure', failed],
    ['an empty list', listed([])],
    ['only wormhole and Abyssal regions', listed([11000001, 12000001])],
  ])('%s at a later refresh keeps the current set, with one warning line', async (_what, answer) => {
    const { regionSet, warnings, advance } = setup();
    const { source } = scriptedSource([listed([FORGE, DOMAIN], HOUR), answer]);
    await regionSet.forRun(source);
    advance(HOUR);
    expect(await regionSet.forRun(source)).toEqual([FORGE, DOMAIN]);
    expect(await regionSet.current()).toEqual([FORGE, DOMAIN]);
    expect(warnings).toEqual(['region list refresh failed, keeping the current set']);
  });

  it("E8 failing at start: the database's swept known-space regions, and E8 is tried again at the next run", async () => {
    const { regionSet, warnings } = setup({ swept: [DOMAIN, 11000001, FORGE] });
    const { source, etags } = scriptedSource([failed, listed([FORGE, DOMAIN, 10000032])]);
    expect(await regionSet.forRun(source)).toEqual([FORGE, DOMAIN]);
    expect(warnings).toEqual(["region list unavailable, using the database's swept regions"]);
    expect(await regionSet.forRun(source)).toEqual([FORGE, 10000032, DOMAIN]);
    expect(etags).toEqual([null, null]);
  });

  it.each([
    ['an empty database', [] as number[]],
    ['a database that cannot be read', new Error('connection refused')],
  ])('E8 failing at start with %s: the static map’s known-space regions', async (_what, swept) => {
    const { regionSet } = setup({ swept });
    const { source } = scriptedSource([failed]);
    const ids = await regionSet.forRun(source);
    expect(ids).toEqual(STATIC_KNOWN_SPACE_REGION_IDS);
    expect(ids).toContain(FORGE);
    expect(ids).toContain(10000070);
    expect(ids.every((id) => id >= 10000001 && id <= 10999999)).toBe(true);
    expect(ids.length).toBe(69);
  });

  it('current() never calls ESI: the resolved set, else the fall-backs', async () => {
    const { regionSet } = setup({ swept: [DOMAIN] });
    expect(await regionSet.current()).toEqual([DOMAIN]);
    const { source } = scriptedSource([listed([FORGE])]);
    await regionSet.forRun(source);
    expect(await regionSet.current()).toEqual([FORGE]);
  });
});

describe('region set shared through the cache (a new process, an API replica)', () => {
  it('a second process reuses the list until its refresh instead of asking E8; once due, it asks with the ETag', async () => {
    const cache = createMemoryCache();
    let now = START;
    const make = () =>
      createRegionSet({ selection: 'all', cache, sweptRegionIds: async () => [], now: () => new Date(now), logger: { info() {}, warn() {} } });
    const first = scriptedSource([listed([FORGE, DOMAIN])]);
    expect(await make().forRun(first.source)).toEqual([FORGE, DOMAIN]);
    const second = scriptedSource([listed([FORGE])]);
    const restarted = make();
    expect(await restarted.forRun(second.source)).toEqual([FORGE, DOMAIN]);
    expect(await make().current()).toEqual([FORGE, DOMAIN]);
    expect(second.etags).toEqual([]);
    now += 23 * HOUR;
    const third = scriptedSource([{ kind: 'not-modified', expiresAt: new Date(now + 24 * HOUR) }]);
    expect(await restarted.forRun(third.source)).toEqual([FORGE, DOMAIN]);
    expect(third.etags).toEqual(['"v1"']);
    // The refreshed lifetime is shared too.
    const fourth = scriptedSource([listed([FORGE])]);
    expect(await make().forRun(fourth.source)).toEqual([FORGE, DOMAIN]);
    expect(fourth.etags).toEqual([]);
  });
});
