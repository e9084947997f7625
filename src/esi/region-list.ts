import { responseLifetimeSeconds } from './cache-lifetime.js';
import { regionIdsSchema } from './payloads.js';
import type { EsiClient } from './types.js';

export type RegionListResult =
  /** Every id ESI lists (not yet filtered to known space), and when the list expires. */
  | { readonly kind: 'ok'; readonly ids: readonly number[]; readonly etag: string | null; readonly expiresAt: Date }
  /** A 304 to `If-None-Match`: the caller's list still stands until `expiresAt`. */
  | { readonly kind: 'not-modified'; readonly expiresAt: Date }
  /** Unreachable, an error status, or a body that is not a non-empty array of ids. */
  | { readonly kind: 'failed'; readonly reason: string };

export interface RegionListSource {
  /** E8; `etag` is the ETag of the list the caller holds (sent as `If-None-Match`), or null. */
  fetch(etag: string | null): Promise<RegionListResult>;
}

/**
 * E8 `GET /universe/regions` through the process's ESI client (governor, headers, retries). The
 * list is small and held in memory by its one caller, so the conditional request is made against
 * that copy rather than a stored body; its lifetime follows docs/sync.md §3.3 (ESI: 11:05 UTC).
 */
export function createRegionListSource(client: Pick<EsiClient, 'request'>): RegionListSource {
  return {
    async fetch(etag) {
      const result = await client.request({ route: 'universe_regions', path: '/universe/regions', ...(etag ? { ifNoneMatch: etag } : {}) });
      if (result.kind === 'transient') return { kind: 'failed', reason: result.reason };
      if (result.kind === 'definite') return { kind: 'failed', reason: `http ${result.status}` };
      const expiresAt = new Date(result.receivedAt.getTime() + responseLifetimeSeconds(result.headers, result.receivedAt) * 1000);
      if (result.status === 304) return etag ? { kind: 'not-modified', expiresAt } : { kind: 'failed', reason: 'http 304 without If-None-Match' };
      if (result.status !== 200) return { kind: 'failed', reason: `http ${result.status}` };
      const parsed = regionIdsSchema.safeParse(result.json);
      if (!parsed.success) return { kind: 'failed', reason: 'not a non-empty array of region ids' };
      return { kind: 'ok', ids: parsed.data, etag: result.headers['etag'] ?? null, expiresAt };
    },
  };
}
