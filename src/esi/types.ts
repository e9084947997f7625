/**
 * The ESI client's contract with the sync engine (docs/sync.md §3). The engine only sees these types;
 * transport, retries, pacing and pauses live behind them.
 */

/** Route templates, used as metric labels and governor groups; never a concrete id. */
export type EsiRoute =
  | 'contracts_public'
  | 'contracts_items'
  | 'contracts_bids'
  | 'universe_names'
  | 'universe_stations'
  | 'universe_types'
  | 'universe_groups'
  | 'universe_categories'
  | 'universe_regions';

/** Waiting discovery requests go before everything else (a sweep must finish fast to stay consistent). */
export type EsiPriority = 'discovery' | 'normal';

export interface EsiRequest {
  readonly route: EsiRoute;
  /** Path relative to ESI_BASE_URL in the unversioned form, e.g. `/contracts/public/10000002`. */
  readonly path: string;
  /** Query parameters; `page` is always sent on paged routes, page 1 included. */
  readonly query?: Readonly<Record<string, string | number>>;
  readonly method?: 'GET' | 'POST';
  /** JSON body (E3 only); sent with Content-Type: application/json. */
  readonly body?: unknown;
  /** Only for listing pages with a stored, parseable body (docs/sync.md §3.4). */
  readonly ifNoneMatch?: string;
  readonly priority?: EsiPriority;
}

/** Response headers, lower-cased names. */
export type EsiHeaders = Readonly<Record<string, string>>;

export type EsiResult =
  /**
   * 2xx (204 included) or 304. `body` is the complete decompressed body (empty Buffer for none) and
   * `json` its parsed value (null when empty); a body that is not valid JSON never gets here (it is
   * transient and retried).
   */
  | {
      readonly kind: 'ok';
      readonly status: number;
      readonly body: Buffer;
      readonly json: unknown;
      readonly headers: EsiHeaders;
      readonly receivedAt: Date;
    }
  /** A 4xx other than 420/429: not retried; the caller interprets the status. */
  | { readonly kind: 'definite'; readonly status: number; readonly headers: EsiHeaders; readonly receivedAt: Date }
  /** Retries exhausted (5xx, timeout, reset, truncated body, decompression error, or re-queued too often). */
  | { readonly kind: 'transient'; readonly reason: string };

export interface EsiClient {
  request(request: EsiRequest): Promise<EsiResult>;
  /** Requests sent since the client was created (attempts, retries included), for run records. */
  requestCount(): number;
  close(): Promise<void>;
}
