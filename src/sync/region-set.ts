import type { Logger } from 'pino';
import type { RegionSelection } from '../config.js';
import { isKnownSpaceRegion, STATIC_KNOWN_SPACE_REGION_IDS } from '../domain/eve-regions.js';
import type { RegionListSource } from '../esi/region-list.js';
import type { KeyValueCache } from '../cache/key-value-cache.js';

const CACHE_KEY = 'hangar-bay:esi:v1:region-list';

/**
 * A list from ESI is refreshed no sooner than this after its fetch, whatever its `Expires` says:
 * a past or missing `Expires` must not turn into one E8 request per run.
 */
export const MIN_REGION_LIST_REFRESH_MS = 3_600_000;

/** Where the regions of `all` came from: ESI (E8), or a fall-back while E8 has never answered. */
export type RegionSetOrigin = 'esi' | 'database' | 'static';

export interface RegionSetDeps {
  readonly selection: RegionSelection;
  /**
   * Where a list from ESI is kept until its refresh (Redis when configured): a new process — the
   * next `npm run sync`, a restarted worker, an API replica's status page — reuses it instead of
   * asking E8 again. Failures count as misses.
   */
  readonly cache?: Pick<KeyValueCache, 'get' | 'set'>;
  /** Regions the database has swept at least once: the first fall-back of `all`. */
  readonly sweptRegionIds: () => Promise<readonly number[]>;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export interface RegionSet {
  /**
   * The regions a sync run covers. A list of ids is returned as configured. With `all`: the
   * known-space ids of ESI's region list (E8), fetched by the first run and again once the list
   * has expired; while E8 has never answered, the database's swept regions, else the static
   * map's, with E8 tried again at the next run. A failed refresh keeps the current set.
   * Only the holder of the run lock may call this (it may send an ESI request).
   */
  forRun(source: RegionListSource): Promise<readonly number[]>;
  /** The same set without calling ESI (the status page, API processes): the last one resolved, else the fall-backs. */
  current(): Promise<readonly number[]>;
}

interface Held {
  readonly ids: readonly number[];
  readonly origin: RegionSetOrigin;
  readonly etag: string | null;
  /** Epoch ms from which the next run asks E8 again. */
  refreshAt: number;
}

function knownSpace(ids: readonly number[]): number[] {
  return [...new Set(ids.filter(isKnownSpaceRegion))].sort((a, b) => a - b);
}

/** The one place the configured region set is resolved (docs/sync.md §5.0, §7). */
export function createRegionSet(deps: RegionSetDeps): RegionSet {
  const { selection, logger } = deps;
  let held: Held | null = null;

  async function cached(now: number): Promise<Held | null> {
    try {
      const entry = await deps.cache?.get(CACHE_KEY);
      if (!entry) return null;
      const stored = JSON.parse(entry.toString('utf8')) as { ids: number[]; etag: string | null; refreshAt: number };
      const ids = knownSpace(stored.ids);
      return ids.length > 0 && now < stored.refreshAt ? { ids, origin: 'esi', etag: stored.etag, refreshAt: stored.refreshAt } : null;
    } catch {
      return null;
    }
  }

  function keep(list: Held, now: number): void {
    const body = Buffer.from(JSON.stringify({ ids: list.ids, etag: list.etag, refreshAt: list.refreshAt }));
    deps.cache?.set(CACHE_KEY, body, Math.max(1, Math.ceil((list.refreshAt - now) / 1000))).catch(() => {});
  }

  async function fallback(): Promise<{ ids: readonly number[]; origin: RegionSetOrigin }> {
    let swept: number[] = [];
    try {
      swept = knownSpace(await deps.sweptRegionIds());
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'swept regions unreadable');
    }
    return swept.length > 0 ? { ids: swept, origin: 'database' } : { ids: STATIC_KNOWN_SPACE_REGION_IDS, origin: 'static' };
  }

  return {
    async forRun(source) {
      if (selection !== 'all') return selection;
      const now = deps.now().getTime();
      if (held === null || held.origin !== 'esi') held = (await cached(now)) ?? held;
      if (held !== null && now < held.refreshAt) return held.ids;
      const nextRefresh = (expiresAt: Date) => Math.max(expiresAt.getTime(), now + MIN_REGION_LIST_REFRESH_MS);
      const result = await source.fetch(held?.origin === 'esi' ? held.etag : null);
      let reason: string;
      if (result.kind === 'not-modified' && held !== null) {
        held.refreshAt = nextRefresh(result.expiresAt);
        keep(held, now);
        return held.ids;
      } else if (result.kind === 'ok') {
        const ids = knownSpace(result.ids);
        if (ids.length > 0) {
          held = { ids, origin: 'esi', etag: result.etag, refreshAt: nextRefresh(result.expiresAt) };
          keep(held, now);
          logger.info({ regions: ids.length, not_known_space: new Set(result.ids).size - ids.length }, 'region set from ESI');
          return ids;
        }
        reason = 'no known-space region listed';
      } else {
        reason = result.kind === 'failed' ? result.reason : 'http 304 without a held list';
      }
      if (held !== null) {
        // Never emptied or shrunk by a bad answer; retried at the next run.
        logger.warn({ reason, regions: held.ids.length, origin: held.origin }, 'region list refresh failed, keeping the current set');
        return held.ids;
      }
      const chosen = await fallback();
      held = { ...chosen, etag: null, refreshAt: now };
      logger.warn({ reason, regions: chosen.ids.length, origin: chosen.origin }, `region list unavailable, using the ${chosen.origin === 'database' ? "database's swept regions" : 'static map'}`);
      return chosen.ids;
    },

    async current() {
      if (selection !== 'all') return selection;
      return held?.ids ?? (await cached(deps.now().getTime()))?.ids ?? (await fallback()).ids;
    },
  };
}
