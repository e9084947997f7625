import type { KeyValueCache } from '../cache/key-value-cache.js';
import { cachePeriodSeconds, isNoStore, responseLifetimeSeconds } from './cache-lifetime.js';
import { parseHttpDate } from './http-date.js';
import {
  decodeUsableListingPage,
  encodeListingPage,
  encodeStored,
  type UsableListingPage,
} from './listing-cache-entry.js';
import type { EsiClient, EsiHeaders, EsiResult } from './types.js';

export const LISTING_CACHE_PREFIX = 'hangar-bay:esi:listing:';

export interface ListingPage {
  /** The parsed body as ESI sent it: normally an array, but a page past the end is an error object. */
  readonly rows: unknown;
  /** Rows when `rows` is an array, else 0. */
  readonly rowCount: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** `X-Pages` when a positive integer, else null. */
  readonly xPages: number | null;
  /** The response's `Date` header. */
  readonly date: string | null;
  readonly receivedAt: Date;
  readonly lifetimeSeconds: number;
  /** `Expires` − `Last-Modified`, for the "do not straddle a regeneration" rule (docs/sync.md §3.3). */
  readonly cachePeriodSeconds: number | null;
  /** True when a 304 confirmed the stored body. */
  readonly notModified: boolean;
}

export type ListingPageResult =
  | { readonly kind: 'ok'; readonly page: ListingPage }
  /** `status` null for transient failures; 304 for a second 304 (docs/sync.md §3.4). */
  | { readonly kind: 'failed'; readonly status: number | null; readonly reason: string };

export interface ListingPageFetcherDeps {
  readonly client: Pick<EsiClient, 'request'>;
  readonly cache: Pick<KeyValueCache, 'get' | 'set' | 'del'>;
  /** Added to each page's lifetime for its cache TTL: one AGGREGATION_INTERVAL_SECONDS. */
  readonly ttlExtraSeconds: number;
  /** Cache failures are misses (docs/sync.md §1 I7); this only reports them. */
  readonly onCacheError?: (error: unknown) => void;
}

export interface ListingPageFetcher {
  fetchPage(regionId: number, page: number, options: { readonly conditional: boolean }): Promise<ListingPageResult>;
  /** Drops stored pages numbered above `pageCount`, up to `previousPageCount`, once a sweep commits. */
  deletePagesBeyond(regionId: number, pageCount: number, previousPageCount: number): Promise<void>;
}

export function listingPageKey(regionId: number, page: number): string {
  return `${LISTING_CACHE_PREFIX}${regionId}:${page}`;
}

function positiveInteger(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const parsed = Number(value.trim());
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : null;
}

function sameInstant(a: string, b: string): boolean {
  const left = parseHttpDate(a);
  const right = parseHttpDate(b);
  return left !== null && right !== null ? left === right : a.trim() === b.trim();
}

function failure(result: Exclude<EsiResult, { kind: 'ok' }>): ListingPageResult {
  return result.kind === 'transient'
    ? { kind: 'failed', status: null, reason: result.reason }
    : { kind: 'failed', status: result.status, reason: `http ${result.status}` };
}

/**
 * Listing pages (E1) with the Redis-backed conditional requests of docs/sync.md §3.4: `If-None-Match`
 * only over a stored body that parses, a 304 answered from that body, and never an empty page.
 */
export function createListingPageFetcher(deps: ListingPageFetcherDeps): ListingPageFetcher {
  const { client, cache, ttlExtraSeconds } = deps;

  async function readEntry(key: string): Promise<Buffer | null> {
    try {
      return await cache.get(key);
    } catch (error) {
      deps.onCacheError?.(error);
      return null;
    }
  }

  async function store(key: string, entry: () => Promise<Buffer> | Buffer, lifetimeSeconds: number): Promise<void> {
    try {
      await cache.set(key, await entry(), Math.max(1, Math.ceil(lifetimeSeconds + ttlExtraSeconds)));
    } catch (error) {
      deps.onCacheError?.(error);
    }
  }

  function send(regionId: number, page: number, ifNoneMatch: string | undefined): Promise<EsiResult> {
    return client.request({
      route: 'contracts_public',
      path: `/contracts/public/${regionId}`,
      query: { page },
      priority: 'discovery',
      ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    });
  }

  async function fromFresh(key: string, result: Extract<EsiResult, { kind: 'ok' }>): Promise<ListingPage> {
    const { headers, receivedAt, json, body } = result;
    const lifetimeSeconds = responseLifetimeSeconds(headers, receivedAt);
    const page: ListingPage = {
      rows: json,
      rowCount: Array.isArray(json) ? json.length : 0,
      etag: headers['etag'] ?? null,
      lastModified: headers['last-modified'] ?? null,
      xPages: positiveInteger(headers['x-pages']),
      date: headers['date'] ?? null,
      receivedAt,
      lifetimeSeconds,
      cachePeriodSeconds: cachePeriodSeconds(headers),
      notModified: false,
    };
    if (!isNoStore(headers) && body.length > 0) {
      const meta = { etag: page.etag, lastModified: page.lastModified, expiresAt: receivedAt.getTime() + lifetimeSeconds * 1000, xPages: page.xPages, rowCount: page.rowCount };
      await store(key, () => encodeListingPage(meta, body), lifetimeSeconds);
    }
    return page;
  }

  async function fromStored(key: string, stored: UsableListingPage, headers: EsiHeaders, receivedAt: Date): Promise<ListingPage> {
    const lifetimeSeconds = responseLifetimeSeconds(headers, receivedAt);
    if (!isNoStore(headers)) {
      const refreshed = { ...stored, expiresAt: receivedAt.getTime() + lifetimeSeconds * 1000 };
      await store(key, () => encodeStored(refreshed), lifetimeSeconds);
    }
    const periodHeaders: Record<string, string> = {};
    if (headers['expires'] !== undefined) periodHeaders['expires'] = headers['expires'];
    if (stored.lastModified !== null) periodHeaders['last-modified'] = stored.lastModified;
    return {
      rows: stored.json,
      rowCount: Array.isArray(stored.json) ? stored.json.length : 0,
      etag: stored.etag,
      lastModified: stored.lastModified,
      // A 304 normally repeats X-Pages; the stored value stands in when it does not.
      xPages: positiveInteger(headers['x-pages']) ?? stored.xPages,
      date: headers['date'] ?? null,
      receivedAt,
      lifetimeSeconds,
      cachePeriodSeconds: cachePeriodSeconds(periodHeaders),
      notModified: true,
    };
  }

  async function fetchPage(regionId: number, page: number, options: { readonly conditional: boolean }): Promise<ListingPageResult> {
    const key = listingPageKey(regionId, page);
    const beforeEntry = options.conditional ? await readEntry(key) : null;
    const before = await decodeUsableListingPage(beforeEntry);
    const ifNoneMatch = before?.etag ? before.etag : undefined;
    let result = await send(regionId, page, ifNoneMatch);
    if (result.kind !== 'ok') return failure(result);

    if (result.status === 304) {
      // The stored body is read again at the time of the 304: it may have been deleted or replaced
      // since the request went out, and a 304 must never be answered with anything but that body.
      const entry = ifNoneMatch === undefined ? null : await readEntry(key);
      const stored = entry !== null && beforeEntry !== null && entry.equals(beforeEntry) ? before : await decodeUsableListingPage(entry);
      const responseLastModified = result.headers['last-modified'];
      const usable =
        stored !== null &&
        stored.etag === ifNoneMatch &&
        (responseLastModified === undefined ||
          (stored.lastModified !== null && sameInstant(responseLastModified, stored.lastModified)));
      if (usable) return { kind: 'ok', page: await fromStored(key, stored, result.headers, result.receivedAt) };
      result = await send(regionId, page, undefined);
      if (result.kind !== 'ok') return failure(result);
      if (result.status === 304) return { kind: 'failed', status: 304, reason: 'second 304 without a usable stored body' };
    }
    if (result.status !== 200) return { kind: 'failed', status: result.status, reason: `http ${result.status}` };
    return { kind: 'ok', page: await fromFresh(key, result) };
  }

  return {
    fetchPage,
    async deletePagesBeyond(regionId, pageCount, previousPageCount) {
      const keys: string[] = [];
      for (let page = Math.max(1, pageCount + 1); page <= previousPageCount; page += 1) keys.push(listingPageKey(regionId, page));
      if (keys.length === 0) return;
      try {
        await cache.del(keys);
      } catch (error) {
        deps.onCacheError?.(error);
      }
    },
  };
}
