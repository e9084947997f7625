import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { categorySchema, groupSchema, namesResponseSchema, stationSchema, typeSchema } from '../esi/payloads.js';
import type { EsiClient, EsiRoute } from '../esi/types.js';
import type { GroupInfo, StationInfo, TypeInfo, UniverseRepository } from '../repositories/universe.repository.js';
import type { SyncWriteRepository } from '../repositories/sync-write.repository.js';
import { withDbRetry } from './db-retry.js';

export interface UniverseDeps {
  readonly db: Database;
  readonly esi: EsiClient;
  readonly universe: UniverseRepository;
  readonly syncWrites: Pick<SyncWriteRepository, 'bumpGeneration'>;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Waits between database retries (docs/sync.md §8); tests inject a fast one. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What an item needs from the type → group → category chain (docs/sync.md §5.5). */
export interface ResolvedType {
  typeName: string | null;
  groupId: number | null;
  categoryId: number | null;
  marketGroupId: number | null;
}

const NOT_FOUND_MEMORY_MS = 24 * 3_600_000;
/** E3 accepts at most 1000 ids per request, at most 2 chunks in flight (docs/sync.md §5.5). */
const NAMES_CHUNK = 1000;
const NAMES_IN_FLIGHT = 2;
const NEVER_EXPIRING = new Set(['station', 'solar_system', 'constellation', 'region', 'inventory_type', 'faction']);
const NAME_LIFETIME_MS = 7 * 24 * 3_600_000;

type Fetched<T> = { found: T[]; notFound: number[] };

/** Fetches one universe object per id (E4–E7), in parallel through the governor. */
async function fetchEach<T>(
  deps: UniverseDeps,
  route: EsiRoute,
  pathOf: (id: number) => string,
  ids: readonly number[],
  parse: (json: unknown) => T | null,
): Promise<Fetched<T>> {
  const found: T[] = [];
  const notFound: number[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const result = await deps.esi.request({ route, path: pathOf(id) });
      if (result.kind === 'ok' && result.status === 200) {
        const value = parse(result.json);
        if (value !== null) found.push(value);
        else deps.logger.warn({ route, id }, 'invalid universe payload skipped');
      } else if (result.kind === 'definite' && result.status === 404) {
        notFound.push(id);
      } else {
        // Transient: left unresolved, retried next run.
        deps.logger.warn({ route, id, result: result.kind === 'transient' ? result.reason : result.status }, 'universe lookup failed');
      }
    }),
  );
  return { found, notFound };
}

export function createUniverseResolver(deps: UniverseDeps) {
  const { universe } = deps;
  const retryAt = () => new Date(deps.now().getTime() + NOT_FOUND_MEMORY_MS);
  // Set for one run by --refresh-universe: types, groups and categories cached before it are refetched.
  let refreshSince: Date | null = null;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // Every database step is retried like the rest of the run's (1, 2, 4 s), then the run fails.
  const retry = <T>(step: () => Promise<T>) => withDbRetry(step, sleep);

  /**
   * Makes sure every type (and its group and category) is cached, fetching E5 → E6 → E7 for the
   * missing ones; returns the resolution per type. New taxonomy rows bump the generation.
   */
  async function resolveTypes(typeIds: readonly number[]): Promise<Map<number, ResolvedType>> {
    const now = deps.now();
    const missingTypes = await retry(() => universe.missing(deps.db, 'esi_types', typeIds, now, refreshSince));
    if (missingTypes.length > 0) {
      const fetched = await fetchEach(deps, 'universe_types', (id) => `/universe/types/${id}`, missingTypes, (json) => {
        const parsed = typeSchema.safeParse(json);
        return parsed.success
          ? ({ typeId: parsed.data.type_id, name: parsed.data.name, groupId: parsed.data.group_id, marketGroupId: parsed.data.market_group_id ?? null } satisfies TypeInfo)
          : null;
      });
      await retry(() => deps.db.transaction((tx) => universe.storeTypes(tx, fetched.found, fetched.notFound, now, retryAt())));
    }
    const types = await retry(() => universe.types(deps.db, typeIds));
    const groups = await resolveGroups([...new Set([...types.values()].map((t) => t.groupId).filter((id): id is number => id !== null))]);
    const resolved = new Map<number, ResolvedType>();
    for (const id of typeIds) {
      const type = types.get(id);
      const group = type?.groupId != null ? groups.get(type.groupId) : undefined;
      resolved.set(id, {
        typeName: type?.name ?? null,
        groupId: type?.groupId ?? null,
        categoryId: group?.categoryId ?? null,
        marketGroupId: type?.marketGroupId ?? null,
      });
    }
    return resolved;
  }

  async function resolveGroups(groupIds: readonly number[]): Promise<Map<number, GroupInfo>> {
    const now = deps.now();
    const missingGroups = await retry(() => universe.missing(deps.db, 'esi_groups', groupIds, now, refreshSince));
    if (missingGroups.length > 0) {
      const fetched = await fetchEach(deps, 'universe_groups', (id) => `/universe/groups/${id}`, missingGroups, (json) => {
        const parsed = groupSchema.safeParse(json);
        return parsed.success ? ({ groupId: parsed.data.group_id, name: parsed.data.name, categoryId: parsed.data.category_id } satisfies GroupInfo) : null;
      });
      await retry(() =>
        deps.db.transaction(async (tx) => {
          await universe.storeGroups(tx, fetched.found, fetched.notFound, now, retryAt());
          if (fetched.found.length > 0) await deps.syncWrites.bumpGeneration(tx);
        }),
      );
    }
    const groups = await retry(() => universe.groups(deps.db, groupIds));
    await resolveCategories([...new Set([...groups.values()].map((g) => g.categoryId).filter((id): id is number => id !== null))]);
    return groups;
  }

  /** Returns the ids of categories learned by this call (composition names may change). */
  async function resolveCategories(categoryIds: readonly number[]): Promise<number[]> {
    const now = deps.now();
    const missingCategories = await retry(() => universe.missing(deps.db, 'esi_categories', categoryIds, now, refreshSince));
    if (missingCategories.length === 0) return [];
    const fetched = await fetchEach(deps, 'universe_categories', (id) => `/universe/categories/${id}`, missingCategories, (json) => {
      const parsed = categorySchema.safeParse(json);
      return parsed.success ? { categoryId: parsed.data.category_id, name: parsed.data.name } : null;
    });
    await retry(() =>
      deps.db.transaction(async (tx) => {
        await universe.storeCategories(tx, fetched.found, fetched.notFound, now, retryAt());
        if (fetched.found.length > 0) await deps.syncWrites.bumpGeneration(tx);
      }),
    );
    return fetched.found.map((c) => c.categoryId);
  }

  async function resolveStations(stationIds: readonly number[]): Promise<Map<number, StationInfo>> {
    const now = deps.now();
    const missingStations = await retry(() => universe.missing(deps.db, 'esi_stations', stationIds, now));
    if (missingStations.length > 0) {
      const fetched = await fetchEach(deps, 'universe_stations', (id) => `/universe/stations/${id}`, missingStations, (json) => {
        const parsed = stationSchema.safeParse(json);
        return parsed.success ? ({ stationId: parsed.data.station_id, name: parsed.data.name, systemId: parsed.data.system_id } satisfies StationInfo) : null;
      });
      await retry(() => deps.db.transaction((tx) => universe.storeStations(tx, fetched.found, fetched.notFound, now, retryAt())));
    }
    return retry(() => universe.stations(deps.db, stationIds));
  }

  /** POSTs one chunk; a rejected chunk (404/400) is bisected so one bad id costs ~20 requests. */
  async function resolveNameChunk(ids: readonly number[], out: { id: number; name: string | null; category: string | null; unresolvable: boolean }[]): Promise<void> {
    const result = await deps.esi.request({ route: 'universe_names', path: '/universe/names', method: 'POST', body: ids });
    if (result.kind === 'ok' && result.status === 200) {
      const parsed = namesResponseSchema.safeParse(result.json);
      if (!parsed.success) {
        deps.logger.warn({ ids: ids.length }, 'invalid names payload skipped');
        return;
      }
      for (const entry of parsed.data) out.push({ id: entry.id, name: entry.name, category: entry.category, unresolvable: false });
      return;
    }
    if (result.kind === 'definite' && (result.status === 404 || result.status === 400)) {
      if (ids.length === 1) {
        out.push({ id: ids[0]!, name: null, category: null, unresolvable: true });
        return;
      }
      const middle = Math.ceil(ids.length / 2);
      await resolveNameChunk(ids.slice(0, middle), out);
      await resolveNameChunk(ids.slice(middle), out);
    }
    // Transient: the names stay null and are asked for again next run.
  }

  /** Resolves names (cache first, then E3 in sorted unique chunks) and caches the answers. */
  async function resolveNames(ids: readonly number[]): Promise<Map<number, string>> {
    const now = deps.now();
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    const cached = await retry(() => universe.names(deps.db, unique, now));
    const misses = unique.filter((id) => !cached.has(id));
    const answers: { id: number; name: string | null; category: string | null; unresolvable: boolean }[] = [];
    const chunks: number[][] = [];
    for (let start = 0; start < misses.length; start += NAMES_CHUNK) chunks.push(misses.slice(start, start + NAMES_CHUNK));
    for (let start = 0; start < chunks.length; start += NAMES_IN_FLIGHT) {
      await Promise.all(chunks.slice(start, start + NAMES_IN_FLIGHT).map((chunk) => resolveNameChunk(chunk, answers)));
    }
    if (answers.length > 0) {
      const stored = answers.map((answer) => ({
        ...answer,
        expiresAt: answer.unresolvable
          ? retryAt()
          : answer.category !== null && NEVER_EXPIRING.has(answer.category)
            ? null
            : new Date(now.getTime() + NAME_LIFETIME_MS),
      }));
      await retry(() => deps.db.transaction((tx) => universe.storeNames(tx, stored, now)));
    }
    const names = new Map<number, string>();
    for (const entry of [...cached.values(), ...answers]) if (entry.name !== null) names.set(entry.id, entry.name);
    return names;
  }

  return {
    resolveTypes,
    resolveCategories,
    resolveStations,
    resolveNames,
    /** Treats type/group/category rows cached before `since` as missing (null: back to normal). */
    refreshUniverseSince(since: Date | null) {
      refreshSince = since;
    },
  };
}

export type UniverseResolver = ReturnType<typeof createUniverseResolver>;
