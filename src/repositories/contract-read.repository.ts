import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { ENRICHMENT_VERSION } from '../domain/enrichment.js';
import { normalizeSearchFragment } from '../domain/search-text.js';
import type { ContractListParams, SortField } from '../domain/contract-query.js';
import type { ContractType } from '../domain/contract-types.js';
import type { CountBucket } from '../domain/segment-counts.js';
import type { TaxonomyFacts } from '../domain/taxonomy.js';
import { CONTRACT_WIRE_COLUMNS, type RawContractBidRow, type RawContractItemRow, type RawContractRow } from '../domain/contract-wire.js';
import { systemsNear } from '../domain/courier-routes.js';
import { ITEM_JSON_OBJECT } from './item-json.js';
import { bigintArray, textArray } from './sql-arrays.js';

export interface CoverageRow {
  ingestedRegionIds: number[];
  /** Postgres text of the newest last_seen_at, or null when nothing is stored. */
  asOf: string | null;
}

const WIRE_COLUMNS = sql.raw(CONTRACT_WIRE_COLUMNS.map((column) => `c.${column}`).join(', '));

async function readDetails(executor: Executor, contractIds: readonly (bigint | number)[]): Promise<DetailsRead> {
  const rows = await executor.execute<
    RawContractRow & { m_generation: string; m_items: RawContractItemRow[] | null; m_bids: RawContractBidRow[] | null }
  >(sql`
    SELECT s.generation AS m_generation, ${WIRE_COLUMNS},
           (SELECT json_agg(json_build_object(${ITEM_JSON_OBJECT}) ORDER BY i.record_id)
            FROM contract_items i WHERE i.contract_id = c.contract_id) AS m_items,
           (SELECT json_agg(json_build_object('bid_id', b.bid_id::text, 'amount', b.amount, 'date_bid', b.date_bid::text)
                            ORDER BY b.amount DESC, b.bid_id ASC)
            FROM contract_bids b WHERE b.contract_id = c.contract_id) AS m_bids
    FROM sync_state s LEFT JOIN contracts c ON c.contract_id = ANY(${bigintArray(contractIds)})
    WHERE s.id = 1`);
  const generation = Number(rows[0]?.m_generation ?? 0);
  const details: StoredDetail[] = [];
  for (const { m_generation: _generation, m_items: items, m_bids: bids, ...row } of rows) {
    if (row.contract_id !== null) details.push({ row, items: items ?? [], bids: bids ?? [] });
  }
  return { generation, details };
}

export interface DetailRead {
  readonly generation: number;
  readonly row: RawContractRow | null;
  readonly items: RawContractItemRow[];
  readonly bids: RawContractBidRow[];
}

export interface StoredDetail {
  readonly row: RawContractRow;
  readonly items: RawContractItemRow[];
  readonly bids: RawContractBidRow[];
}

export interface DetailsRead {
  readonly generation: number;
  readonly details: StoredDetail[];
}


const SORT_COLUMNS: Record<SortField, SQL> = {
  date_issued: sql`c.date_issued`,
  date_expired: sql`c.date_expired`,
  price: sql`c.price`,
  collateral: sql`c.collateral`,
  ship_name: sql`c.primary_label_sort`,
  volume: sql`c.volume`,
  reward_per_volume: sql`c.reward_per_volume`,
  days_to_complete: sql`c.days_to_complete`,
  buyout: sql`c.buyout`,
  reward_per_jump: sql`c.reward_per_jump`,
  route_jumps: sql`c.route_jumps`,
  current_price: sql`c.current_price`,
};

/** LIKE pattern for a substring match in which %, _ and \ are literal characters. */
function likeContains(search: string): string {
  return `%${normalizeSearchFragment(search).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

function offeredItemExists(predicate: SQL): SQL {
  return sql`EXISTS (SELECT 1 FROM contract_items i WHERE i.contract_id = c.contract_id AND i.is_included AND ${predicate})`;
}

function familyBounds(column: SQL, min: bigint | null, max: bigint | null): SQL | null {
  if (min === null && max === null) return null;
  const bounds: SQL[] = [sql`${column} IS NOT NULL`];
  // Both bounds of a family must hold on the same item, hence one EXISTS per family.
  if (min !== null) bounds.push(sql`${column} >= ${min.toString()}::bigint`);
  if (max !== null) bounds.push(sql`${column} <= ${max.toString()}::bigint`);
  return offeredItemExists(sql.join(bounds, sql` AND `));
}

/** The filters F of docs/api.md §6.5: everything but contract_type, is_ship_contract and system_ids. */
function baseConditions(params: ContractListParams, liveAt: Date): SQL[] {
  const where: SQL[] = [sql`c.closed_at IS NULL`, sql`c.date_expired > ${liveAt.toISOString()}::timestamptz`];
  if (params.search !== null) where.push(sql`c.search_text LIKE ${likeContains(params.search)}`);
  if (params.minPrice !== null) where.push(sql`c.price >= ${params.minPrice}`);
  if (params.maxPrice !== null) where.push(sql`c.price <= ${params.maxPrice}`);
  if (params.minCollateral !== null) where.push(sql`c.collateral >= ${params.minCollateral}`);
  if (params.maxCollateral !== null) where.push(sql`c.collateral <= ${params.maxCollateral}`);
  if (params.regionIds !== null) where.push(sql`c.region_id = ANY(${bigintArray(params.regionIds)})`);
  if (params.stationIds !== null) where.push(sql`c.start_location_id = ANY(${bigintArray(params.stationIds)})`);
  if (params.typeIds !== null) where.push(offeredItemExists(sql`i.type_id = ANY(${bigintArray(params.typeIds)})`));
  const taxonomy = taxonomyCondition(params.categoryIds, params.groupIds);
  if (taxonomy) where.push(taxonomy);
  for (const family of [
    familyBounds(sql`i.runs`, params.minRuns, params.maxRuns),
    familyBounds(sql`i.material_efficiency`, params.minMe, params.maxMe),
    familyBounds(sql`i.time_efficiency`, params.minTe, params.maxTe),
  ]) {
    if (family) where.push(family);
  }
  if (params.isBpc !== null) where.push(sql`c.is_blueprint_copy_contract = ${params.isBpc}`);
  if (params.maxJumps !== null) where.push(sql`c.route_jumps <= ${params.maxJumps.toString()}::bigint`);
  if (params.highsecRoute !== null) where.push(params.highsecRoute ? sql`c.route_jumps_highsec IS NOT NULL` : sql`c.route_jumps_highsec IS NULL`);
  if (params.minRewardPerJump !== null) where.push(sql`c.reward_per_jump >= ${params.minRewardPerJump}`);
  if (params.nearSystemId !== null) {
    const near = systemsNear(params.nearSystemId, params.maxJumpsFrom);
    where.push(sql`c.start_location_system_id = ANY(${bigintArray(near)})`);
  }
  return where;
}

/**
 * docs/api.md §6.4 taxonomy rule: an offered item matches when its group is selected, or its category is
 * selected and no selected group belongs to that category (a selected group narrows only its own category).
 */
function taxonomyCondition(categoryIds: bigint[] | null, groupIds: bigint[] | null): SQL | null {
  if (categoryIds === null && groupIds === null) return null;
  const byGroup = groupIds !== null ? sql`i.group_id = ANY(${bigintArray(groupIds)})` : null;
  let byCategory: SQL | null = null;
  if (categoryIds !== null) {
    byCategory = sql`i.category_id = ANY(${bigintArray(categoryIds)})`;
    if (groupIds !== null) {
      byCategory = sql`${byCategory} AND NOT EXISTS (SELECT 1 FROM esi_groups g WHERE g.group_id = ANY(${bigintArray(groupIds)}) AND g.category_id = i.category_id)`;
    }
  }
  const either = [byGroup, byCategory].filter((part): part is SQL => part !== null);
  return offeredItemExists(sql`(${sql.join(either.map((part) => sql`(${part})`), sql` OR `)})`);
}

function fullConditions(params: ContractListParams, liveAt: Date): SQL {
  const where = baseConditions(params, liveAt);
  if (params.contractTypes !== null) where.push(sql`c.segment = ANY(${textArray(params.contractTypes)})`);
  if (params.isShipContract !== null) where.push(sql`c.is_ship_contract = ${params.isShipContract}`);
  if (params.systemIds !== null) where.push(sql`c.start_location_system_id = ANY(${bigintArray(params.systemIds)})`);
  return sql.join(where, sql` AND `);
}

export function createContractReadRepository() {
  return {
    async readGeneration(executor: Executor): Promise<number> {
      const rows = await executor.execute<{ generation: string }>(sql`SELECT generation FROM sync_state WHERE id = 1`);
      return rows.length === 0 ? 0 : Number(rows[0]!.generation);
    },

    /** One grouped query yields total, segment counts and unknown_system_excluded (docs/api.md §6.5, §6.6). */
    async countBuckets(executor: Executor, params: ContractListParams, liveAt: Date): Promise<CountBucket[]> {
      const where = sql.join(baseConditions(params, liveAt), sql` AND `);
      const systemMatches =
        params.systemIds !== null ? sql`COALESCE(c.start_location_system_id = ANY(${bigintArray(params.systemIds)}), false)` : sql`true`;
      const rows = await executor.execute<{ segment: string; ship: boolean; sys_match: boolean; sys_null: boolean; n: string }>(sql`
        SELECT c.segment, c.is_ship_contract AS ship, ${systemMatches} AS sys_match,
               c.start_location_system_id IS NULL AS sys_null, count(*) AS n
        FROM contracts c
        WHERE ${where}
        GROUP BY 1, 2, 3, 4`);
      return rows.map((row) => ({
        segment: row.segment as ContractType,
        isShipContract: row.ship,
        systemMatches: row.sys_match,
        systemUnknown: row.sys_null,
        count: Number(row.n),
      }));
    },

    async page(executor: Executor, params: ContractListParams, liveAt: Date, offset: number): Promise<RawContractRow[]> {
      const key = SORT_COLUMNS[params.sortBy];
      const direction = params.sortDirection === 'asc' ? sql`ASC` : sql`DESC`;
      return executor.execute<RawContractRow>(sql`
        SELECT ${WIRE_COLUMNS} FROM contracts c
        WHERE ${fullConditions(params, liveAt)}
        ORDER BY ${key} ${direction} NULLS LAST, c.contract_id ASC
        LIMIT ${params.size} OFFSET ${offset}`);
    },

    /** Regions holding any stored contract, and the newest sighting (docs/api.md §6.7), by a skip scan. */
    async coverage(executor: Executor): Promise<CoverageRow> {
      const rows = await executor.execute<{ region_id: string; as_of: string | null }>(sql`
        WITH RECURSIVE regions AS (
          (SELECT region_id FROM contracts ORDER BY region_id LIMIT 1)
          UNION ALL
          SELECT (SELECT c.region_id FROM contracts c WHERE c.region_id > r.region_id ORDER BY c.region_id LIMIT 1)
          FROM regions r WHERE r.region_id IS NOT NULL
        ), latest AS (
          SELECT r.region_id,
                 (SELECT max(c.last_seen_at) FROM contracts c WHERE c.region_id = r.region_id) AS seen
          FROM regions r WHERE r.region_id IS NOT NULL
        )
        SELECT region_id, max(seen) OVER () AS as_of FROM latest ORDER BY region_id`);
      return { ingestedRegionIds: rows.map((row) => Number(row.region_id)), asOf: rows[0]?.as_of ?? null };
    },

    /**
     * One contract with all its items and the generation, in one statement (so one snapshot and
     * one round trip); `row` is null when the contract is not stored.
     */
    async detail(executor: Executor, contractId: bigint): Promise<DetailRead> {
      const { generation, details } = await readDetails(executor, [contractId]);
      return { generation, ...(details[0] ?? { row: null, items: [], bids: [] }) };
    },

    /** The stored ones of `contractIds` as `detail` reads one, and the generation: one statement. */
    details: readDetails,

    /** Everything GET /contracts/taxonomy shows (docs/api.md §10), read in the caller's snapshot. */
    async taxonomy(executor: Executor, liveAt: Date): Promise<TaxonomyFacts> {
      const categories = await executor.execute<{ category_id: string; name: string }>(
        sql`SELECT category_id, name FROM esi_categories WHERE name IS NOT NULL`,
      );
      const groups = await executor.execute<{ group_id: string; category_id: string | null; name: string }>(
        sql`SELECT group_id, category_id, name FROM esi_groups WHERE name IS NOT NULL`,
      );
      const population = sql`
        c.closed_at IS NULL AND c.date_expired > ${liveAt.toISOString()}::timestamptz
        AND c.type IN ('item_exchange', 'auction') AND c.items_status <> 'unavailable'`;
      const [stats] = await executor.execute<{ total: string; complete: string; unnamed: boolean }>(sql`
        SELECT count(*) AS total,
               count(*) FILTER (WHERE c.items_status = 'fetched' AND c.enrichment_status = 'complete'
                                  AND c.enrichment_version = ${ENRICHMENT_VERSION}) AS complete,
               EXISTS (
                 SELECT 1 FROM contracts c JOIN contract_items i ON i.contract_id = c.contract_id
                 WHERE ${population} AND i.category_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM esi_categories k WHERE k.category_id = i.category_id AND k.name IS NOT NULL)
               ) AS unnamed
        FROM contracts c WHERE ${population}`);
      return {
        categories: categories.map((row) => ({ categoryId: Number(row.category_id), name: row.name })),
        groups: groups.map((row) => ({
          groupId: Number(row.group_id),
          categoryId: row.category_id === null ? null : Number(row.category_id),
          name: row.name,
        })),
        populationSize: Number(stats?.total ?? 0),
        populationComplete: Number(stats?.complete ?? 0),
        unnamedCategoryOnPopulation: stats?.unnamed ?? false,
      };
    },
  };
}

export type ContractReadRepository = ReturnType<typeof createContractReadRepository>;
