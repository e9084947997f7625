import type { BulkRow } from '../db/bulk.js';
import { buildUniverse, type SeedReferenceData } from './universe.js';

/** One reference cache table's rows, ready for `bulkWrite` (keyed by column name). */
export interface ReferenceTable {
  readonly table: 'esi_categories' | 'esi_groups' | 'esi_types' | 'esi_stations' | 'esi_names';
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  readonly rows: BulkRow[];
}

export interface ReferenceRowsOptions {
  /** The corpus seed: the issuer names must be those `generateCorpus` gives the same seed. */
  readonly seed: number;
  readonly now: Date;
}

// docs/sync.md §5.5: character and corporation names expire after 7 days; station names never.
const PERSON_NAME_TTL_MS = 7 * 86_400_000;

/**
 * Rows for the reference caches as the sync would have left them: every type, group, category and
 * station of the reference data, and the names of stations and of the corpus's issuers.
 */
export function referenceRows(data: SeedReferenceData, options: ReferenceRowsOptions): ReferenceTable[] {
  const fetchedAt = options.now.toISOString();
  const personExpiry = new Date(options.now.getTime() + PERSON_NAME_TTL_MS).toISOString();
  const universe = buildUniverse(data, options.seed, options.now);
  const byId = <T>(key: keyof T) => (a: T, b: T) => (a[key] as number) - (b[key] as number);
  const names: BulkRow[] = [
    ...[...data.stations].sort(byId('station_id')).map((station) => nameRow(station.station_id, station.name, 'station', null, fetchedAt)),
    ...universe.characters.map((character) => nameRow(character.id, character.name, 'character', personExpiry, fetchedAt)),
    ...universe.corporations.map((corporation) => nameRow(corporation.id, corporation.name, 'corporation', personExpiry, fetchedAt)),
  ];
  return [
    {
      table: 'esi_categories',
      columns: ['category_id', 'name', 'not_found_until', 'fetched_at'],
      primaryKey: ['category_id'],
      rows: [...data.categories].sort(byId('category_id')).map((category) => ({
        category_id: category.category_id,
        name: category.name,
        not_found_until: null,
        fetched_at: fetchedAt,
      })),
    },
    {
      table: 'esi_groups',
      columns: ['group_id', 'name', 'category_id', 'not_found_until', 'fetched_at'],
      primaryKey: ['group_id'],
      rows: [...data.groups].sort(byId('group_id')).map((group) => ({
        group_id: group.group_id,
        name: group.name,
        category_id: group.category_id,
        not_found_until: null,
        fetched_at: fetchedAt,
      })),
    },
    {
      table: 'esi_types',
      columns: ['type_id', 'name', 'group_id', 'market_group_id', 'not_found_until', 'fetched_at'],
      primaryKey: ['type_id'],
      rows: [...data.types].sort(byId('type_id')).map((type) => ({
        type_id: type.type_id,
        name: type.name,
        group_id: type.group_id,
        market_group_id: type.market_group_id,
        not_found_until: null,
        fetched_at: fetchedAt,
      })),
    },
    {
      table: 'esi_stations',
      columns: ['station_id', 'name', 'system_id', 'not_found_until', 'fetched_at'],
      primaryKey: ['station_id'],
      rows: [...data.stations].sort(byId('station_id')).map((station) => ({
        station_id: station.station_id,
        name: station.name,
        system_id: station.system_id,
        not_found_until: null,
        fetched_at: fetchedAt,
      })),
    },
    {
      table: 'esi_names',
      columns: ['id', 'name', 'category', 'expires_at', 'unresolvable', 'fetched_at'],
      primaryKey: ['id'],
      rows: names,
    },
  ];
}

function nameRow(id: number, name: string, category: string, expiresAt: string | null, fetchedAt: string): BulkRow {
  return { id, name, category, expires_at: expiresAt, unresolvable: false, fetched_at: fetchedAt };
}
