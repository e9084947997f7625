/**
 * The read-path scenarios of issue 4 / docs/api.md §12, built from facts about the seeded corpus, and
 * the deterministic generator of the "mixed" scenario's distinct filter combinations.
 */
import { SORT_FIELDS, type ContractListParams } from '../../src/domain/contract-query.js';
import { canonicalQueryKey, parseContractListQuery, type RawQuery } from '../../src/services/contract-query.params.js';
import type { CorpusFacts } from './corpus.js';
import { prng } from './load.js';

export type ScenarioKind = 'list' | 'detail' | 'taxonomy' | 'prices';

export interface ReadScenario {
  readonly id: string;
  readonly title: string;
  readonly kind: ScenarioKind;
  /** True when one response can serve every request (the result cache applies). */
  readonly cacheable: boolean;
  /** Request paths in order; the load cycles through them (one entry = a fixed request). */
  readonly paths: readonly string[];
  /** For `detail`: pick the next id instead of cycling `paths`. */
  readonly nextId?: () => number;
  /** Counts towards the "single-filter scenarios ≥ 0.5 × HTTP ceiling" target. */
  readonly ceilingTarget: boolean;
}

export const LIST_PATH = '/contracts/';
const JITA_SYSTEM = 30000142;
export const DEFAULT_VIEW_QUERY = 'is_ship_contract=true&page=1&size=50&sort_by=date_issued&sort_direction=desc';

/** What Fastify's querystring parser hands the route: repeated keys become arrays. */
export function rawQuery(query: string): RawQuery {
  const raw: RawQuery = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = raw[key];
    if (existing === undefined) raw[key] = value;
    else raw[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return raw;
}

export function paramsOf(path: string): ContractListParams {
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  return parseContractListQuery(rawQuery(query));
}

const listPath = (query: string) => (query === '' ? LIST_PATH : `${LIST_PATH}?${query}`);

function roundPrice(value: number): number {
  if (!(value > 0)) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.round(value / magnitude) * magnitude;
}

/**
 * A few thousand (here: `count`) distinct filter combinations, distinct by the service's own
 * canonical cache key, drawn deterministically from what the corpus holds: 1–3 filters from
 * type, ship flag, regions, systems, stations, price and collateral ranges, search words,
 * category/group, type ids, runs/ME/TE ranges and the BPC flag, with any sort, page 1–5 and size.
 */
export function mixedQueries(facts: CorpusFacts, count: number, seed = 4): string[] {
  const random = prng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const deciles = facts.priceDeciles.length > 0 ? facts.priceDeciles.map(roundPrice) : [1e5, 1e6, 1e7, 1e8, 1e9];
  const regions = facts.regions.slice(0, 12).map((r) => r.regionId);
  const categories = [...new Set(facts.taxonomy.map((t) => t.categoryId))];
  const sorts = SORT_FIELDS;
  const filters: (() => string[])[] = [
    () => [`contract_type=${pick(['item_exchange', 'item_exchange', 'auction', 'courier', 'loan'])}`],
    () => [`is_ship_contract=${pick(['true', 'false'])}`],
    () => [`region_ids=${pick(regions)}`],
    () => [`region_ids=${pick(regions)}`, `region_ids=${pick(regions)}`],
    () => [`system_ids=${pick(facts.systems)}`],
    () => [`station_ids=${pick(facts.stations)}`],
    () => [`min_price=${pick(deciles)}`],
    () => [`max_price=${pick(deciles)}`],
    () => {
      const a = pick(deciles);
      const b = pick(deciles);
      return [`min_price=${Math.min(a, b)}`, `max_price=${Math.max(a, b) * 2}`];
    },
    () => [`min_collateral=${pick([1e6, 1e7, 1e8])}`],
    () => [`search=${pick(facts.searchWords)}`],
    () => [`search=${facts.shipPrefix.slice(0, 3 + Math.floor(random() * 3)).toLowerCase()}`],
    () => [`category_id=${pick(categories)}`],
    () => [`group_id=${pick(facts.taxonomy).groupId}`],
    () => {
      const t = pick(facts.taxonomy);
      return [`category_id=${t.categoryId}`, `group_id=${t.groupId}`];
    },
    () => [`type_ids=${pick(facts.typeIds)}`],
    () => [`min_runs=${pick([1, 2, 5, 10, 20, 50])}`],
    () => [`min_runs=${pick([1, 2, 5])}`, `max_runs=${pick([10, 20, 50, 100, 300])}`],
    () => [`min_me=${pick([0, 2, 5, 8, 10])}`],
    () => [`min_me=${pick([0, 2, 5])}`, `max_me=${pick([6, 8, 10])}`],
    () => [`min_te=${pick([0, 4, 10, 16])}`, `max_te=${pick([18, 20])}`],
    () => [`is_bpc=${pick(['true', 'false'])}`],
    // Courier routes (docs/api.md §13).
    () => [`max_jumps=${pick([0, 3, 5, 10, 20])}`],
    () => [`highsec_route=${pick(['true', 'false'])}`],
    () => [`near_system_id=${pick(facts.systems)}`, `max_jumps_from=${pick([0, 2, 5, 10])}`],
    () => ['contract_type=courier', `min_reward_per_jump=${pick([1e5, 5e5, 1e6])}`],
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  let attempts = 0;
  while (out.length < count && attempts < count * 20) {
    attempts += 1;
    const parts: string[] = [];
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) parts.push(...pick(filters)());
    parts.push(`sort_by=${pick(sorts)}`, `sort_direction=${pick(['asc', 'desc'])}`);
    const page = pick([1, 1, 1, 1, 2, 2, 3, 4, 5]);
    if (page > 1) parts.push(`page=${page}`);
    parts.push(`size=${pick([20, 50, 50, 50, 100])}`);
    const query = parts.join('&');
    let key: string;
    try {
      key = canonicalQueryKey(parseContractListQuery(rawQuery(query)));
    } catch {
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(listPath(query));
  }
  return out;
}

export interface ScenarioSet {
  readonly scenarios: ReadScenario[];
  readonly deepPage: number;
}

export function buildScenarios(facts: CorpusFacts, mixedCount: number): ScenarioSet {
  const biggestRegion = facts.regions[0]?.regionId ?? 10000002;
  const deciles = facts.priceDeciles.map(roundPrice);
  const low = deciles[2] ?? 1e6;
  const high = deciles[6] ?? 1e8;
  // Page 500 of 50 needs ≥ 25,000 matches; smaller corpora get their deepest full page instead.
  const deepPage = Math.max(1, Math.min(500, Math.floor(facts.live / 50)));
  const random = prng(7);
  const ids = facts.contractIds;
  const scenarios: ReadScenario[] = [
    { id: 'default', title: 'default web-client view', kind: 'list', cacheable: true, paths: [listPath(DEFAULT_VIEW_QUERY)], ceilingTarget: true },
    { id: 'unfiltered', title: 'unfiltered default', kind: 'list', cacheable: true, paths: [LIST_PATH], ceilingTarget: true },
    { id: 'search', title: `search "${facts.shipPrefix}"`, kind: 'list', cacheable: true, paths: [listPath(`search=${facts.shipPrefix}`)], ceilingTarget: true },
    {
      id: 'region_price',
      title: 'region + price range',
      kind: 'list',
      cacheable: true,
      paths: [listPath(`region_ids=${biggestRegion}&min_price=${low}&max_price=${high}`)],
      ceilingTarget: true,
    },
    {
      id: 'blueprint',
      title: 'blueprint runs + ME range',
      kind: 'list',
      cacheable: true,
      paths: [listPath('min_runs=5&max_runs=50&min_me=8&max_me=10')],
      ceilingTarget: true,
    },
    {
      id: 'category_group',
      title: 'category + group',
      kind: 'list',
      cacheable: true,
      paths: [listPath(`category_id=6&group_id=${facts.shipGroupId}`)],
      ceilingTarget: true,
    },
    {
      id: 'couriers_near_jita',
      title: 'couriers within 10 jumps of Jita, high-sec route, by reward per jump',
      kind: 'list',
      cacheable: true,
      paths: [listPath(`contract_type=courier&near_system_id=${JITA_SYSTEM}&max_jumps_from=10&highsec_route=true&sort_by=reward_per_jump&sort_direction=desc`)],
      ceilingTarget: true,
    },
    { id: 'price_asc', title: 'sort by price asc', kind: 'list', cacheable: true, paths: [listPath('sort_by=price&sort_direction=asc')], ceilingTarget: true },
    { id: 'deep_page', title: `deep page (page ${deepPage})`, kind: 'list', cacheable: true, paths: [listPath(`page=${deepPage}&size=50`)], ceilingTarget: true },
    {
      id: 'common_views',
      title: 'common views: each type, default pages 2–5',
      kind: 'list',
      cacheable: true,
      paths: [
        ...['item_exchange', 'auction', 'courier', 'loan', 'unknown'].map((type) => listPath(`contract_type=${type}`)),
        ...[2, 3, 4, 5].map((page) => listPath(DEFAULT_VIEW_QUERY.replace('page=1', `page=${page}`))),
      ],
      ceilingTarget: true,
    },
    {
      id: 'detail',
      title: 'detail of random ids',
      kind: 'detail',
      cacheable: false,
      paths: [],
      nextId: () => ids[Math.floor(random() * ids.length)]!,
      ceilingTarget: false,
    },
    {
      id: 'price_history',
      title: 'price history of a common type, 30 days',
      kind: 'prices',
      cacheable: true,
      paths: [`/types/${facts.typeIds[0] ?? 587}/contract-prices?days=30`],
      ceilingTarget: true,
    },
    { id: 'taxonomy', title: 'taxonomy', kind: 'taxonomy', cacheable: true, paths: ['/contracts/taxonomy'], ceilingTarget: true },
    { id: 'mixed', title: 'mixed (every request a new filter combination)', kind: 'list', cacheable: false, paths: mixedQueries(facts, mixedCount), ceilingTarget: false },
  ];
  return { scenarios, deepPage };
}

/**
 * Requests that only PostgreSQL can answer now that the read model holds every stored contract's
 * detail: price histories (docs/api.md §10a) of the corpus's common types over every window and
 * listing region, each path asked once (the generator never repeats one before ~40,000 requests).
 */
export function databaseBoundPaths(facts: Pick<CorpusFacts, 'typeIds' | 'regions'>, seed: number): () => string {
  const random = prng(seed);
  const types = facts.typeIds.length > 0 ? facts.typeIds : [587];
  const regions = [null, ...facts.regions.map((region) => region.regionId)];
  const asked = new Set<string>();
  return () => {
    for (;;) {
      const type = types[Math.floor(random() * types.length)]!;
      const days = 1 + Math.floor(random() * 365);
      const region = regions[Math.floor(random() * regions.length)];
      const path = `/types/${type}/contract-prices?days=${days}${region === null ? '' : `&region_ids=${region}`}`;
      if (asked.size >= 40_000) asked.clear();
      if (asked.has(path)) continue;
      asked.add(path);
      return path;
    }
  };
}

/** A path generator cycling through the scenario's paths (or drawing detail ids), from `start`. */
export function pathCycle(scenario: ReadScenario, start = 0): () => string {
  if (scenario.kind === 'detail') return () => `/contracts/${scenario.nextId!()}`;
  if (scenario.paths.length === 1) {
    const only = scenario.paths[0]!;
    return () => only;
  }
  let index = start;
  return () => scenario.paths[index++ % scenario.paths.length]!;
}
