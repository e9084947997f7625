/**
 * Public types of the offline fake ESI (docs/sync.md §10): options, fault shapes, statistics, the
 * request log and the control surface. Kept JSON-friendly because the same shapes travel over the
 * `/_fake/` control API.
 */
import type { ClockMode } from './clock.js';

/** E1–E7 of docs/sync.md §2, E8 (region ids) and E9 (auction bids) of docs/extensions.md §1–2. */
export type EsiRouteId = 'E1' | 'E2' | 'E3' | 'E4' | 'E5' | 'E6' | 'E7' | 'E8' | 'E9';

export const ROUTE_TEMPLATES: Readonly<Record<EsiRouteId | 'unknown', string>> = {
  E1: 'GET /contracts/public/{region_id}',
  E2: 'GET /contracts/public/items/{contract_id}',
  E3: 'POST /universe/names',
  E4: 'GET /universe/stations/{station_id}',
  E5: 'GET /universe/types/{type_id}',
  E6: 'GET /universe/groups/{group_id}',
  E7: 'GET /universe/categories/{category_id}',
  E8: 'GET /universe/regions',
  E9: 'GET /contracts/public/bids/{contract_id}',
  unknown: 'unknown route',
};

/**
 * Which requests a fault may hit. Unset filters match everything the fault kind applies to (see
 * FaultSpec). Counting: `skip` lets the first n applicable requests through, `times` caps how many
 * are affected, `probability` (seeded) decides per applicable request.
 */
export interface FaultMatch {
  route?: EsiRouteId | readonly EsiRouteId[];
  /** Regular expression (source text) tested against the path below the base path. */
  path?: string;
  /** E1 region; on E2 and E9 the contract's listing region. */
  regionId?: number;
  /** Page query parameter (E1, E2, E9). */
  page?: number | readonly number[];
  /** E2 or E9 contract; for `bad-type` and `strip-optional` it selects the affected rows instead. */
  contractId?: number | readonly number[];
  times?: number;
  skip?: number;
  probability?: number;
}

/**
 * One injectable fault (docs/sync.md §8). Default routes: E1–E7 unless noted. Defaults for E1 page
 * faults: `xpages-change`, `last-modified` and `duplicate-id` hit pages ≥ 2, `page-past-end` hits
 * pages past the last one, unless `page` names others.
 */
export type FaultKind = FaultSpec['kind'];
export type FaultSpec = FaultMatch &
  (
    | /** 5xx burst (or any status; 204 and 304 are sent without a body). */ {
        kind: 'status';
        status?: number;
        body?: string | null;
      }
    | /** Never answers; the socket is only closed by the client or by close(). */ { kind: 'hang' }
    | /** Destroys the connection without a response. */ { kind: 'reset' }
    | /** Sends the headers with the full Content-Length, half the body, then destroys the socket. */ {
        kind: 'truncate';
      }
    | /** `Content-Encoding: gzip` with a broken deflate stream. */ { kind: 'corrupt-gzip' }
    | /** 420; `reset` is X-ESI-Error-Limit-Reset seconds (default 37, null = header absent). */ {
        kind: 'error-limit';
        reset?: number | null;
      }
    | /**
       * 429. `retryAfter`: the Retry-After value as sent (number or any string, null = absent, default
       * 60); `retryAfterDate`: send an HTTP-date this many seconds after the fake `Date` instead.
       */ {
        kind: 'rate-limit';
        retryAfter?: number | string | null;
        retryAfterDate?: number;
        group?: string;
        limit?: string;
        remaining?: number;
      }
    | /** E1, E9: X-Pages says N + delta (default 1). */ { kind: 'xpages-change'; delta?: number }
    | /** E1: Last-Modified shifted by offsetSeconds (default -1800). */ {
        kind: 'last-modified';
        offsetSeconds?: number;
      }
    | /**
       * E1/E2: the page's first row repeats the previous page's last row (a duplicate contract_id or
       * record_id); on page 1 (explicit `page`) the second row repeats the first.
       */ { kind: 'duplicate-id' }
    | /** E1: 200 `{"error":"Requested page does not exist!"}` (ESI's answer to a page past the end). */ {
        kind: 'page-past-end';
      }
    | /** E1: the page keeps only `rows` rows (default 999). */ { kind: 'short-page'; rows?: number }
    | /** 304 to any request carrying If-None-Match, whatever its value. */ { kind: 'not-modified' }
    | /** E1/E2: out-of-enum `type` (default `barter_v2`) on a share of rows (default 0.01) or `contractId`. */ {
        kind: 'bad-type';
        value?: string;
        share?: number;
      }
    | /** E1/E2: optional fields removed (default all of docs/sync.md §2.1/§2.2) on a share of rows (default 1). */ {
        kind: 'strip-optional';
        fields?: readonly string[];
        share?: number;
      }
    | /** E2: the item list has `rows` rows (default 1500; 1,001–2,500 is the realistic range). */ {
        kind: 'big-items';
        rows?: number;
      }
    | /** E2: 200 with `[]` (body 'array', default) or no body at all ('none'). */ {
        kind: 'empty-items';
        body?: 'array' | 'none';
      }
    | /**
       * E9: an extra row with an unused bid_id but without `field` (default `amount`), on page 1
       * unless `page` says otherwise.
       */ {
        kind: 'bad-bid-row';
        field?: 'bid_id' | 'amount' | 'date_bid';
      }
    | /** E3: a chunk containing any of these ids answers `status` (default 404). */ {
        kind: 'bad-name-id';
        ids: readonly number[];
        status?: number;
      }
    | /** Every ESI route answers 503 (daily downtime). */ { kind: 'downtime' }
    | /** E1: served from the previous generation (older Last-Modified), as a lagging node would. */ {
        kind: 'stale';
      }
    | /** E1: the listing suddenly holds only `keep` rows (default 5 % of it, at least 1). */ {
        kind: 'mass-drop';
        keep?: number;
      }
    | /** Sets or removes response headers (lower-case names), after everything else. */ {
        kind: 'headers';
        set?: Readonly<Record<string, string>>;
        remove?: readonly string[];
      }
  );

export interface FaultState {
  id: string;
  spec: FaultSpec;
  /** Applicable requests seen. */
  matched: number;
  /** Requests actually affected. */
  fired: number;
}

export type LatencyOption = number | Partial<Record<EsiRouteId | 'default', number>>;

export interface FakeEsiOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Extra prefix every route is also served under, e.g. `/esi`. */
  basePath?: string;
  seed?: number;
  /**
   * Number of regions (1–21), in docs/sync.md §10 order, or `all`: every known-space region of the
   * static data (The Forge first, then the other 20 of that order, then the rest by id).
   */
  regions?: number | 'all';
  /** Contracts per region (default 2,000; with `regions: 'all'`, 5). */
  contracts?: number;
  /** Contracts in the first region (default `contracts`; with `regions: 'all'`, 2,000). */
  firstRegionContracts?: number;
  /** Issuing characters (default: total contracts / 6, within 500–20,000); corporations are a fifth of that. */
  characters?: number;
  /** Largest ordinary item list (default 250). */
  maxItemsPerContract?: number;
  /** Contracts of the first region whose item lists have 1,001–2,500 rows (default 0). */
  largeItemContracts?: number;
  /** Share of item-bearing contracts whose items answer 403 (default 0.002). */
  forbiddenShare?: number;
  /** Share of a listing accepted or withdrawn per regeneration (default 0.02). */
  churnRate?: number;
  listingCacheSeconds?: number;
  itemsCacheSeconds?: number;
  /** E9 cache period (default 300, as ESI's x-cached-seconds for bids). */
  bidsCacheSeconds?: number;
  /** All regions regenerate at startTime and every period after (default: a seeded phase per region). */
  alignPhase?: boolean;
  clock?: ClockMode;
  startTime?: Date | string | number;
  /** `public` (ESI today: Expires rules) or `max-age` (adds `max-age=<seconds left>`). */
  cacheControl?: 'public' | 'max-age';
  /** Milliseconds per route (or one number for all), plus uniform ± jitter. */
  latency?: LatencyOption;
  jitter?: number;
  faults?: readonly FaultSpec[];
  /** Errors per window before 420 (default 100). */
  errorLimit?: number;
  errorWindowSeconds?: number;
  /** Entries kept in the request log (default 50,000; oldest dropped). */
  requestLogLimit?: number;
}

export type LoggedStatus = number | 'reset' | 'hang' | 'truncated';

export interface RequestLogEntry {
  seq: number;
  /** Fake-clock ISO time the request arrived. */
  time: string;
  method: string;
  /** As received, base path included. */
  path: string;
  /** Below the base path: what the route matched. */
  esiPath: string;
  query: Record<string, string>;
  /** Selected request headers (user-agent, x-compatibility-date, accept*, content-type, if-none-match, …). */
  headers: Record<string, string>;
  route: EsiRouteId | 'unknown';
  status: LoggedStatus;
  regionId?: number;
  page?: number;
  contractId?: number;
  /** E3: the ids of the body. */
  ids?: unknown;
  /** E1/E9: sent before the page's expiry although the page's last answer was a 200/304. */
  early?: boolean;
  /** Fault kinds that affected the request. */
  faults?: string[];
}

export interface RouteStats {
  template: string;
  total: number;
  by_status: Record<string, number>;
}

export interface FakeEsiStats {
  total: number;
  routes: Record<string, RouteStats>;
  early_polls: Record<string, number>;
  early_polls_total: number;
  /** E9 requests for a page sent before that page's last 200/304 expired (docs/extensions.md §2.2: never). */
  early_bid_polls: number;
  manners_violations: number;
  manners: { missing_user_agent: number; missing_compatibility_date: number; missing_page: number };
  /** E2 400s: items asked for a courier, loan, unknown or out-of-enum contract. */
  items_bad_type: number;
  /** 420s sent because the error budget ran out (not injected ones). */
  error_limited: number;
  faults_fired: Record<string, number>;
  regenerations: Record<string, number>;
}

export interface RegionStateView {
  region_id: number;
  name: string;
  generation: number;
  regenerated_at: string;
  /** Kept across regenerations that changed nothing. */
  last_modified: string;
  expires: string;
  /** Contracts of the published listing. */
  contracts: number;
  pages: number;
  /** Contracts after pending mutations (published at the next regeneration). */
  pending_contracts: number;
  manual: boolean;
}

export interface FakeEsiStateView {
  now: string;
  clock: ClockMode;
  seed: number;
  regions: RegionStateView[];
  faults: FaultState[];
  error_limit: { remain: number; reset_seconds: number; blocked: boolean };
}
