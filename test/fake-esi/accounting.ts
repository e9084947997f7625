/**
 * What the fake ESI remembers about its clients: the error budget (docs/sync.md §3.5: ~100 errors per
 * fixed 60 s window, then 420 everywhere), statistics, the request log, and the manners checks
 * (missing headers, early listing polls) the tests assert on.
 */
import { ROUTE_TEMPLATES, type EsiRouteId, type FakeEsiStats, type LoggedStatus, type RequestLogEntry } from './types.js';

export class ErrorLimiter {
  private windowStart = -1;
  private errors = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  private roll(now: number): void {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.errors = 0;
    }
  }

  blocked(now: number): boolean {
    this.roll(now);
    return this.errors >= this.limit;
  }

  /** Counts an answered status: 4xx/5xx except 304 (not an error) and 420 (already limited). */
  record(status: number, now: number): void {
    this.roll(now);
    if (status >= 400 && status !== 420) this.errors++;
  }

  remain(now: number): number {
    this.roll(now);
    return Math.max(0, this.limit - this.errors);
  }

  /** Whole seconds to the window's end, as ESI's X-ESI-Error-Limit-Reset. */
  resetSeconds(now: number): number {
    this.roll(now);
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
  }

  reset(): void {
    this.windowStart = -1;
    this.errors = 0;
  }
}

interface PageMemory {
  /** The page's last answer was a 200 or 304. */
  ok: boolean;
  /** Its Expires (epoch ms). */
  expires: number;
}

function emptyStats(): FakeEsiStats {
  return {
    total: 0,
    routes: {},
    early_polls: {},
    early_polls_total: 0,
    early_bid_polls: 0,
    manners_violations: 0,
    manners: { missing_user_agent: 0, missing_compatibility_date: 0, missing_page: 0 },
    items_bad_type: 0,
    error_limited: 0,
    faults_fired: {},
    regenerations: {},
  };
}

export class Recorder {
  private stats = emptyStats();
  private log: RequestLogEntry[] = [];
  private seq = 0;
  private readonly pages = new Map<string, PageMemory>();

  constructor(private readonly logLimit: number) {}

  begin(entry: Omit<RequestLogEntry, 'seq' | 'status'>): RequestLogEntry {
    const full: RequestLogEntry = { seq: ++this.seq, status: 0, ...entry };
    this.log.push(full);
    // Trim in chunks: shifting a long array on every request would cost more than the request.
    if (this.log.length > this.logLimit + Math.max(1, this.logLimit >> 4)) this.log.splice(0, this.log.length - this.logLimit);
    return full;
  }

  /** Records the outcome of a request (its log entry is updated in place). */
  finish(entry: RequestLogEntry, status: LoggedStatus, faults: readonly string[]): void {
    entry.status = status;
    if (faults.length > 0) entry.faults = [...faults];
    const stats = this.stats;
    stats.total++;
    const route = (stats.routes[entry.route] ??= { template: ROUTE_TEMPLATES[entry.route], total: 0, by_status: {} });
    route.total++;
    route.by_status[String(status)] = (route.by_status[String(status)] ?? 0) + 1;
    for (const kind of faults) stats.faults_fired[kind] = (stats.faults_fired[kind] ?? 0) + 1;
  }

  manners(missingUserAgent: boolean, missingCompatibilityDate: boolean): void {
    if (missingUserAgent) this.stats.manners.missing_user_agent++;
    if (missingCompatibilityDate) this.stats.manners.missing_compatibility_date++;
    if (missingUserAgent || missingCompatibilityDate) this.stats.manners_violations++;
  }

  missingPage(): void {
    this.stats.manners.missing_page++;
  }

  itemsBadType(): void {
    this.stats.items_bad_type++;
  }

  errorLimited(): void {
    this.stats.error_limited++;
  }

  /**
   * Whether a listing request comes before the page's expiry while its last answer was a 200/304
   * (docs/sync.md §1 I6: the only allowed exception is the immediate re-read of an inconsistent sweep,
   * which the tests account for themselves). Counted per region.
   */
  checkEarly(regionId: number, page: number, now: number): boolean {
    const memory = this.pages.get(`${regionId}:${page}`);
    const early = memory !== undefined && memory.ok && now < memory.expires;
    if (early) {
      const key = String(regionId);
      this.stats.early_polls[key] = (this.stats.early_polls[key] ?? 0) + 1;
      this.stats.early_polls_total++;
    }
    return early;
  }

  rememberPage(regionId: number, page: number, ok: boolean, expires: number): void {
    this.pages.set(`${regionId}:${page}`, { ok, expires });
  }

  /** Like checkEarly, for an auction's bid pages (E9). */
  checkEarlyBids(contractId: number, page: number, now: number): boolean {
    const memory = this.pages.get(`bids:${contractId}:${page}`);
    const early = memory !== undefined && memory.ok && now < memory.expires;
    if (early) this.stats.early_bid_polls++;
    return early;
  }

  rememberBidsPage(contractId: number, page: number, ok: boolean, expires: number): void {
    this.pages.set(`bids:${contractId}:${page}`, { ok, expires });
  }

  snapshot(regenerations: Record<string, number>): FakeEsiStats {
    return { ...structuredClone(this.stats), regenerations };
  }

  requests(filter?: { route?: EsiRouteId; since?: number }): RequestLogEntry[] {
    return structuredClone(
      this.log.filter(
        (e) => (filter?.route === undefined || e.route === filter.route) && (filter?.since === undefined || e.seq > filter.since),
      ),
    );
  }

  /** Zeroes counters and the log; page memory stays (it is ESI's view of time, not a statistic). */
  reset(): void {
    this.stats = emptyStats();
    this.log = [];
  }
}
