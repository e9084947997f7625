/**
 * The control surface of the fake ESI: the in-process `control` object and the same operations
 * over HTTP under `/_fake/` (for a fake started with the CLI). The app never calls these.
 */
import type { ServerResponse } from 'node:http';
import { visibleBids } from './bids.js';
import { ITEM_BEARING_TYPES, listingRow } from './contracts.js';
import { buildItems } from './items.js';
import type { NameCategory } from './population.js';
import type { FakeEnv } from './reply.js';
import { PAGE_SIZE } from './routes-contracts.js';
import type { ControlHandler } from './server.js';
import type {
  EsiRouteId,
  FakeEsiStateView,
  FakeEsiStats,
  FaultSpec,
  FaultState,
  RegionStateView,
  RequestLogEntry,
} from './types.js';
import { entryId, type RegionState } from './universe.js';

/** Read access to the generated universe, for assertions. */
export interface FakeEsiUniverseView {
  regionIds(): number[];
  /** Contract ids of the region's published listing, ascending (as a sweep now would see them). */
  contractIds(regionId: number): number[];
  /** Ids after pending mutations: what the next regeneration publishes (before its churn). */
  pendingContractIds(regionId: number): number[];
  /** Rows of one page of the published listing (unfaulted). */
  page(regionId: number, page: number): unknown[];
  /** A contract's listing row, or undefined when unknown. */
  contract(id: number): Record<string, unknown> | undefined;
  /** A contract's complete item list (undefined when unknown or not item-bearing). */
  items(id: number): Record<string, unknown>[] | undefined;
  /**
   * The bids E9 serves for an auction at the fake's current time (every page, highest amount
   * first), or undefined for an unknown contract or another type. Gone auctions answer 204, not these.
   */
  bids(id: number): Record<string, unknown>[] | undefined;
  /** Contracts whose item lists have 1,001–2,500 rows (option largeItemContracts). */
  largeItemContractIds(): number[];
  /** What E3 answers for an id. */
  nameOf(id: number): { name: string; category: NameCategory } | undefined;
  characterIds(): number[];
  corporationIds(): number[];
  lastModified(regionId: number): Date;
  expires(regionId: number): Date;
}

export interface FakeEsiControl {
  readonly universe: FakeEsiUniverseView;
  now(): Date;
  /** Moves the fake clock forward; listings regenerate lazily on the next request. */
  advance(seconds: number): Date;
  /** Publishes a region's next generation now (expiries, churn unless `churn: false`, arrivals). */
  regenerate(regionId: number, options?: { churn?: boolean }): void;
  addFault(fault: FaultSpec): string;
  removeFault(id: string): boolean;
  clearFaults(): void;
  faults(): FaultState[];
  stats(): FakeEsiStats;
  requests(filter?: { route?: EsiRouteId; since?: number }): RequestLogEntry[];
  /** Zeroes statistics and the request log. */
  resetStats(): void;
  /** Starts a fresh error-limit window with the full budget. */
  resetErrorLimit(): void;
  state(): FakeEsiStateView;
  /** Serves exactly these rows (pages of 1000) from now on; the region is added if unknown. */
  setRows(regionId: number, rows: readonly unknown[], options?: { lastModified?: Date | number | string }): void;
  /** New contracts issued now, listed from the next regeneration; returns their ids. */
  addContracts(regionId: number, count: number): number[];
  /** Accepted/withdrawn now: gone from the next regeneration, items 204 for an hour, then 404. */
  removeContracts(ids: readonly number[]): void;
  /** date_expired = now: gone from the next regeneration, items 204 for an hour, then 404. */
  expireContracts(ids: readonly number[]): void;
  /** What E3 answers for `id` from now on (a rename, or a new resolvable id; category default: the current one, else character). */
  setName(id: number, name: string, category?: NameCategory): void;
}

function mustRegion(env: FakeEnv, regionId: number): RegionState {
  const region = env.universe.region(regionId);
  if (!region) throw new Error(`fake ESI: region ${regionId} is not part of the universe`);
  return region;
}

function ids(entries: readonly unknown[]): number[] {
  return entries.map(entryId).filter((id): id is number => id !== undefined);
}

function regionView(env: FakeEnv, region: RegionState): RegionStateView {
  return {
    region_id: region.regionId,
    name: region.name,
    generation: region.current.index,
    regenerated_at: new Date(region.current.regeneratedAt).toISOString(),
    last_modified: new Date(region.current.lastModified).toISOString(),
    expires: new Date(region.current.expires).toISOString(),
    contracts: region.current.entries.length,
    pages: Math.max(1, Math.ceil(region.current.entries.length / PAGE_SIZE)),
    pending_contracts: region.live.length,
    manual: region.manual,
  };
}

export function createControl(env: FakeEnv): FakeEsiControl {
  const { universe, pop } = env;
  let regenerationBaseline = new Map<number, number>();
  const regenerations = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const regionId of universe.regionIds()) {
      const region = universe.region(regionId)!;
      out[String(regionId)] = region.regenerations - (regenerationBaseline.get(regionId) ?? 0);
    }
    return out;
  };

  const view: FakeEsiUniverseView = {
    regionIds: () => universe.regionIds(),
    contractIds: (regionId) => ids(mustRegion(env, regionId).current.entries),
    pendingContractIds: (regionId) => ids(mustRegion(env, regionId).live),
    page(regionId, page) {
      const entries = mustRegion(env, regionId).current.entries.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
      return entries.map((e) => (typeof e === 'number' ? listingRow(pop, universe.store.get(e)!) : structuredClone(e)));
    },
    contract(id) {
      const record = universe.record(id);
      return record ? listingRow(pop, record) : undefined;
    },
    items(id) {
      const record = universe.record(id);
      if (!record || !ITEM_BEARING_TYPES.has(record.type)) return undefined;
      return buildItems(pop, record, universe.itemCount(record));
    },
    bids(id) {
      const record = universe.record(id);
      return record ? visibleBids(env, record) : undefined;
    },
    largeItemContractIds: () => universe.largeItemContractIds(),
    nameOf: (id) => pop.nameOf(id),
    characterIds: () => pop.characters.map((c) => c.id),
    corporationIds: () => [...pop.corporations.keys()],
    lastModified: (regionId) => new Date(mustRegion(env, regionId).current.lastModified),
    expires: (regionId) => new Date(mustRegion(env, regionId).current.expires),
  };

  return {
    universe: view,
    now: () => new Date(env.clock.now()),
    advance(seconds) {
      env.clock.advance(seconds);
      return new Date(env.clock.now());
    },
    regenerate(regionId, options) {
      universe.regenerate(regionId, options?.churn ?? true);
    },
    addFault: (fault) => env.faults.add(fault),
    removeFault: (id) => env.faults.remove(id),
    clearFaults: () => env.faults.clear(),
    faults: () => env.faults.list(),
    stats: () => env.recorder.snapshot(regenerations()),
    requests: (filter) => env.recorder.requests(filter),
    resetStats() {
      env.recorder.reset();
      regenerationBaseline = new Map(universe.regionIds().map((r) => [r, universe.region(r)!.regenerations]));
    },
    resetErrorLimit: () => env.limiter.reset(),
    state() {
      const now = env.clock.now();
      return {
        now: new Date(now).toISOString(),
        clock: env.clock.mode,
        seed: env.options.seed,
        regions: universe.regionIds().map((r) => regionView(env, universe.region(r)!)),
        faults: env.faults.list(),
        error_limit: {
          remain: env.limiter.remain(now),
          reset_seconds: env.limiter.resetSeconds(now),
          blocked: env.limiter.blocked(now),
        },
      };
    },
    setRows(regionId, rows, options) {
      const lm = options?.lastModified === undefined ? undefined : new Date(options.lastModified).getTime();
      universe.setRows(regionId, rows, lm);
    },
    addContracts: (regionId, count) => universe.addContracts(regionId, count),
    removeContracts: (list) => universe.removeContracts(list),
    expireContracts: (list) => universe.expireContracts(list),
    setName(id, name, category) {
      pop.overrides.set(id, { name, category: category ?? pop.nameOf(id)?.category ?? 'character' });
    },
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = value === undefined ? '' : JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function parse(body: Buffer): unknown {
  return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * `/_fake/` routes: GET state|stats|requests|faults, POST faults (one spec or an array), DELETE
 * faults[/id], POST clock {advanceSeconds}, POST regenerate {regionId, churn?}, DELETE requests or
 * POST reset-stats, GET contracts/{regionId}, PUT rows/{regionId} (body: the rows).
 */
export function createControlHandler(control: FakeEsiControl): ControlHandler {
  return (req, res, subPath, url, body) => {
    const method = req.method ?? 'GET';
    try {
      const route = `${method} ${subPath.replace(/\/+$/, '')}`;
      const tail = subPath.split('/').filter(Boolean);
      if (route === 'GET /state') return sendJson(res, 200, control.state());
      if (route === 'GET /stats') return sendJson(res, 200, control.stats());
      if (route === 'GET /requests') {
        const since = url.searchParams.get('since');
        const routeId = url.searchParams.get('route') as EsiRouteId | null;
        return sendJson(res, 200, {
          requests: control.requests({ ...(since ? { since: Number(since) } : {}), ...(routeId ? { route: routeId } : {}) }),
        });
      }
      if (route === 'DELETE /requests' || route === 'POST /reset-stats') {
        control.resetStats();
        return sendJson(res, 200, { ok: true });
      }
      if (route === 'GET /faults') return sendJson(res, 200, { faults: control.faults() });
      if (route === 'POST /faults') {
        const specs = parse(body);
        const added = (Array.isArray(specs) ? specs : [specs]).map((spec) => control.addFault(spec as FaultSpec));
        return sendJson(res, 201, { ids: added });
      }
      if (route === 'DELETE /faults') {
        control.clearFaults();
        return sendJson(res, 200, { ok: true });
      }
      if (method === 'DELETE' && tail[0] === 'faults' && tail[1]) {
        return sendJson(res, control.removeFault(tail[1]) ? 200 : 404, { ok: true });
      }
      if (route === 'POST /clock') {
        const seconds = Number(field(parse(body), 'advanceSeconds') ?? 0);
        return sendJson(res, 200, { now: control.advance(seconds).toISOString() });
      }
      if (route === 'POST /regenerate') {
        const payload = parse(body);
        const regionId = Number(field(payload, 'regionId') ?? url.searchParams.get('region'));
        control.regenerate(regionId, { churn: field(payload, 'churn') !== false });
        return sendJson(res, 200, control.state().regions.find((r) => r.region_id === regionId));
      }
      if (method === 'GET' && tail[0] === 'contracts' && tail[1]) {
        return sendJson(res, 200, { ids: control.universe.contractIds(Number(tail[1])) });
      }
      if (method === 'PUT' && tail[0] === 'rows' && tail[1]) {
        const rows = parse(body);
        if (!Array.isArray(rows)) return sendJson(res, 400, { error: 'body must be an array of rows' });
        control.setRows(Number(tail[1]), rows);
        return sendJson(res, 200, { ok: true });
      }
      return sendJson(res, 404, { error: `no control route ${route}` });
    } catch (error) {
      return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
  };
}
