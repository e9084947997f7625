import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { bulkWrite } from '../db/bulk.js';
import { bigintArray } from './sql-arrays.js';

export interface TypeInfo {
  typeId: number;
  name: string | null;
  groupId: number | null;
  marketGroupId: number | null;
}

export interface GroupInfo {
  groupId: number;
  name: string | null;
  categoryId: number | null;
}

export interface StationInfo {
  stationId: number;
  name: string | null;
  systemId: number | null;
}

export interface NameInfo {
  id: number;
  name: string | null;
  category: string | null;
  unresolvable: boolean;
}

type Table = 'esi_types' | 'esi_groups' | 'esi_categories' | 'esi_stations';
const KEY: Record<Table, string> = {
  esi_types: 'type_id',
  esi_groups: 'group_id',
  esi_categories: 'category_id',
  esi_stations: 'station_id',
};

const num = (value: string | null) => (value === null ? null : Number(value));

/** The durable reference caches of docs/sync.md §4 (types, groups, categories, stations, names). */
export function createUniverseRepository() {
  /**
   * Ids with no usable cache row: never fetched, a remembered 404 that has expired, or (with
   * `staleBefore`, the CLI's --refresh-universe) fetched before that instant.
   */
  async function missing(executor: Executor, table: Table, ids: readonly number[], now: Date, staleBefore: Date | null = null): Promise<number[]> {
    if (ids.length === 0) return [];
    const key = sql.raw(KEY[table]);
    const fresh = staleBefore === null ? sql`` : sql`AND fetched_at >= ${staleBefore.toISOString()}::timestamptz`;
    const rows = await executor.execute<{ id: string }>(sql`
      SELECT ${key} AS id FROM ${sql.raw(table)}
      WHERE ${key} = ANY(${bigintArray(ids)})
        AND (name IS NOT NULL OR not_found_until > ${now.toISOString()}::timestamptz) ${fresh}`);
    const cached = new Set(rows.map((row) => Number(row.id)));
    return [...new Set(ids)].filter((id) => !cached.has(id)).sort((a, b) => a - b);
  }

  return {
    missing,

    async types(executor: Executor, ids: readonly number[]): Promise<Map<number, TypeInfo>> {
      if (ids.length === 0) return new Map();
      const rows = await executor.execute<{ type_id: string; name: string | null; group_id: string | null; market_group_id: string | null }>(
        sql`SELECT type_id, name, group_id, market_group_id FROM esi_types WHERE type_id = ANY(${bigintArray(ids)}) AND name IS NOT NULL`,
      );
      return new Map(rows.map((r) => [Number(r.type_id), { typeId: Number(r.type_id), name: r.name, groupId: num(r.group_id), marketGroupId: num(r.market_group_id) }]));
    },

    async groups(executor: Executor, ids: readonly number[]): Promise<Map<number, GroupInfo>> {
      if (ids.length === 0) return new Map();
      const rows = await executor.execute<{ group_id: string; name: string | null; category_id: string | null }>(
        sql`SELECT group_id, name, category_id FROM esi_groups WHERE group_id = ANY(${bigintArray(ids)}) AND name IS NOT NULL`,
      );
      return new Map(rows.map((r) => [Number(r.group_id), { groupId: Number(r.group_id), name: r.name, categoryId: num(r.category_id) }]));
    },

    /** Categories named by cached groups that have no usable category row yet. */
    async unresolvedGroupCategories(executor: Executor, now: Date): Promise<number[]> {
      const rows = await executor.execute<{ category_id: string }>(sql`
        SELECT DISTINCT g.category_id FROM esi_groups g
        WHERE g.category_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM esi_categories k WHERE k.category_id = g.category_id
            AND (k.name IS NOT NULL OR k.not_found_until > ${now.toISOString()}::timestamptz))`);
      return rows.map((row) => Number(row.category_id));
    },

    async categoryNames(executor: Executor): Promise<Map<number, string>> {
      const rows = await executor.execute<{ category_id: string; name: string }>(
        sql`SELECT category_id, name FROM esi_categories WHERE name IS NOT NULL`,
      );
      return new Map(rows.map((r) => [Number(r.category_id), r.name]));
    },

    /** Stored resolved rows; `notFound` ids are remembered as unresolvable until `retryAt`. */
    async storeTypes(tx: Executor, rows: readonly TypeInfo[], notFound: readonly number[], now: Date, retryAt: Date): Promise<void> {
      const at = now.toISOString();
      await bulkWrite(
        tx,
        [
          ...rows.map((r) => ({ type_id: r.typeId, name: r.name, group_id: r.groupId, market_group_id: r.marketGroupId, not_found_until: null, fetched_at: at })),
          ...notFound.map((id) => ({ type_id: id, name: null, group_id: null, market_group_id: null, not_found_until: retryAt.toISOString(), fetched_at: at })),
        ],
        { table: 'esi_types', columns: ['type_id', 'name', 'group_id', 'market_group_id', 'not_found_until', 'fetched_at'], conflictTarget: ['type_id'], updateColumns: ['name', 'group_id', 'market_group_id', 'not_found_until', 'fetched_at'] },
      );
    },

    async storeGroups(tx: Executor, rows: readonly GroupInfo[], notFound: readonly number[], now: Date, retryAt: Date): Promise<void> {
      const at = now.toISOString();
      await bulkWrite(
        tx,
        [
          ...rows.map((r) => ({ group_id: r.groupId, name: r.name, category_id: r.categoryId, not_found_until: null, fetched_at: at })),
          ...notFound.map((id) => ({ group_id: id, name: null, category_id: null, not_found_until: retryAt.toISOString(), fetched_at: at })),
        ],
        { table: 'esi_groups', columns: ['group_id', 'name', 'category_id', 'not_found_until', 'fetched_at'], conflictTarget: ['group_id'], updateColumns: ['name', 'category_id', 'not_found_until', 'fetched_at'] },
      );
    },

    async storeCategories(tx: Executor, rows: readonly { categoryId: number; name: string }[], notFound: readonly number[], now: Date, retryAt: Date): Promise<void> {
      const at = now.toISOString();
      await bulkWrite(
        tx,
        [
          ...rows.map((r) => ({ category_id: r.categoryId, name: r.name, not_found_until: null, fetched_at: at })),
          ...notFound.map((id) => ({ category_id: id, name: null, not_found_until: retryAt.toISOString(), fetched_at: at })),
        ],
        { table: 'esi_categories', columns: ['category_id', 'name', 'not_found_until', 'fetched_at'], conflictTarget: ['category_id'], updateColumns: ['name', 'not_found_until', 'fetched_at'] },
      );
    },

    async stations(executor: Executor, ids: readonly number[]): Promise<Map<number, StationInfo>> {
      if (ids.length === 0) return new Map();
      const rows = await executor.execute<{ station_id: string; name: string | null; system_id: string | null }>(
        sql`SELECT station_id, name, system_id FROM esi_stations WHERE station_id = ANY(${bigintArray(ids)}) AND name IS NOT NULL`,
      );
      return new Map(rows.map((r) => [Number(r.station_id), { stationId: Number(r.station_id), name: r.name, systemId: num(r.system_id) }]));
    },

    async storeStations(tx: Executor, rows: readonly StationInfo[], notFound: readonly number[], now: Date, retryAt: Date): Promise<void> {
      const at = now.toISOString();
      await bulkWrite(
        tx,
        [
          ...rows.map((r) => ({ station_id: r.stationId, name: r.name, system_id: r.systemId, not_found_until: null, fetched_at: at })),
          ...notFound.map((id) => ({ station_id: id, name: null, system_id: null, not_found_until: retryAt.toISOString(), fetched_at: at })),
        ],
        { table: 'esi_stations', columns: ['station_id', 'name', 'system_id', 'not_found_until', 'fetched_at'], conflictTarget: ['station_id'], updateColumns: ['name', 'system_id', 'not_found_until', 'fetched_at'] },
      );
    },

    /** Cached names that are still valid (unexpired), resolved or remembered as unresolvable. */
    async names(executor: Executor, ids: readonly number[], now: Date): Promise<Map<number, NameInfo>> {
      if (ids.length === 0) return new Map();
      const rows = await executor.execute<{ id: string; name: string | null; category: string | null; unresolvable: boolean }>(sql`
        SELECT id, name, category, unresolvable FROM esi_names
        WHERE id = ANY(${bigintArray(ids)}) AND (expires_at IS NULL OR expires_at > ${now.toISOString()}::timestamptz)`);
      return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), name: r.name, category: r.category, unresolvable: r.unresolvable }]));
    },

    async storeNames(
      tx: Executor,
      rows: readonly { id: number; name: string | null; category: string | null; expiresAt: Date | null; unresolvable: boolean }[],
      now: Date,
    ): Promise<void> {
      await bulkWrite(
        tx,
        rows.map((r) => ({ id: r.id, name: r.name, category: r.category, expires_at: r.expiresAt?.toISOString() ?? null, unresolvable: r.unresolvable, fetched_at: now.toISOString() })),
        { table: 'esi_names', columns: ['id', 'name', 'category', 'expires_at', 'unresolvable', 'fetched_at'], conflictTarget: ['id'], updateColumns: ['name', 'category', 'expires_at', 'unresolvable', 'fetched_at'] },
      );
    },
  };
}

export type UniverseRepository = ReturnType<typeof createUniverseRepository>;
