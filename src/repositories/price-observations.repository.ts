import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import type { ContractPriceParams } from '../domain/price-history.js';
import { bigintArray } from './sql-arrays.js';

/**
 * The single-type lot of contract `c` (extensions §4.1), as one row or none: every item offered (a
 * requested item makes it a trade, not a sale), at least one, all of one type_id, a positive total
 * quantity. Blueprint terms are the smallest of the lot's (the terms every unit at least has); a term
 * some unit lacks is null. `is_blueprint_copy` follows the list's is_bpc: some unit is a copy.
 */
const SINGLE_TYPE_LOT = sql`LATERAL (
  SELECT min(i.type_id) AS type_id, sum(i.quantity) AS quantity,
         COALESCE(bool_or(i.is_blueprint_copy), false) AS is_blueprint_copy,
         CASE WHEN count(i.runs) = count(*) THEN min(i.runs) END AS runs,
         CASE WHEN count(i.material_efficiency) = count(*) THEN min(i.material_efficiency) END AS material_efficiency,
         CASE WHEN count(i.time_efficiency) = count(*) THEN min(i.time_efficiency) END AS time_efficiency
  FROM contract_items i WHERE i.contract_id = c.contract_id
  HAVING count(*) > 0 AND bool_and(i.is_included) AND count(DISTINCT i.type_id) = 1 AND sum(i.quantity) > 0
) lot`;

/** Contract-level conditions of a single-type offer: an item exchange with known items and a price. */
const SINGLE_TYPE_OFFER = sql`c.type = 'item_exchange' AND c.items_status = 'fetched' AND c.price IS NOT NULL`;

/**
 * The price observations of the closed contracts in `source` (a relation with contract_id, region_id,
 * type, items_status, price, close_reason and closed_at): one per single-type offer, never a second
 * one for a contract (a rerun of a closure, a seed run twice). One statement whatever the number.
 */
export function insertObservationsOf(source: SQL): SQL {
  return sql`
    INSERT INTO price_observations (contract_id, type_id, region_id, closed_day, kind, unit_price, quantity,
                                    is_blueprint_copy, runs, material_efficiency, time_efficiency)
    SELECT c.contract_id, lot.type_id, c.region_id, (c.closed_at AT TIME ZONE 'UTC')::date, c.close_reason,
           c.price / lot.quantity, lot.quantity, lot.is_blueprint_copy, lot.runs, lot.material_efficiency, lot.time_efficiency
    FROM ${source} c CROSS JOIN ${SINGLE_TYPE_LOT}
    WHERE ${SINGLE_TYPE_OFFER} AND c.close_reason IS NOT NULL AND c.closed_at IS NOT NULL
    ON CONFLICT (contract_id) DO NOTHING`;
}

/** The price route's filters on a lot (`lot.…`) or an observation (`o.…`): same columns, same rules. */
function termConditions(alias: 'lot' | 'o', params: ContractPriceParams): SQL[] {
  const column = (name: string) => sql.raw(`${alias}.${name}`);
  const where: SQL[] = [];
  if (params.isBpc !== null) where.push(sql`${column('is_blueprint_copy')} = ${params.isBpc}`);
  // null satisfies no bound (docs/api.md §6.4): a comparison with null is not true.
  if (params.minRuns !== null) where.push(sql`${column('runs')} >= ${params.minRuns.toString()}::bigint`);
  if (params.minMe !== null) where.push(sql`${column('material_efficiency')} >= ${params.minMe.toString()}::bigint`);
  if (params.minTe !== null) where.push(sql`${column('time_efficiency')} >= ${params.minTe.toString()}::bigint`);
  return where;
}

export type KindDayRow = {
  day: string;
  kind: string;
  n: string;
  min: number;
  median: number;
  max: number;
};

export type CurrentRow = {
  n: string;
  min: number | null;
  p25: number | null;
  median: number | null;
};

/** Reads of `GET /types/{type_id}/contract-prices`; percentile_disc is the lower-rank rule ceil(q·n). */
export function createPriceObservationsRepository() {
  return {
    /**
     * Records the observations of already closed contracts among `contractIds` (the seed writes
     * closed contracts directly); open ones and those observed before are left alone.
     */
    async observeClosed(executor: Executor, contractIds: readonly number[]): Promise<number> {
      if (contractIds.length === 0) return 0;
      const rows = await executor.execute(insertObservationsOf(sql`(
        SELECT contract_id, region_id, type, items_status, price, close_reason, closed_at
        FROM contracts WHERE contract_id = ANY(${bigintArray(contractIds)}))`));
      return (rows as unknown as { count: number }).count;
    },

    /** The type's name, or undefined when the type is unknown: not in the type cache and never observed. */
    async typeName(executor: Executor, typeId: bigint): Promise<string | null | undefined> {
      const id = typeId.toString();
      const rows = await executor.execute<{ name: string | null; known: boolean }>(sql`
        SELECT (SELECT name FROM esi_types WHERE type_id = ${id}::bigint AND name IS NOT NULL) AS name,
               EXISTS (SELECT 1 FROM esi_types WHERE type_id = ${id}::bigint AND name IS NOT NULL)
               OR EXISTS (SELECT 1 FROM price_observations WHERE type_id = ${id}::bigint) AS known`);
      const row = rows[0];
      return row?.known ? row.name : undefined;
    },

    /** Unit prices of the live single-type offers of the type matching the parameters. */
    async current(executor: Executor, params: ContractPriceParams, liveAt: Date): Promise<CurrentRow> {
      const id = params.typeId.toString();
      const where: SQL[] = [
        sql`c.contract_id IN (SELECT contract_id FROM contract_items WHERE type_id = ${id}::bigint AND is_included)`,
        sql`c.closed_at IS NULL`,
        sql`c.date_expired > ${liveAt.toISOString()}::timestamptz`,
        SINGLE_TYPE_OFFER,
        sql`lot.type_id = ${id}::bigint`,
        ...termConditions('lot', params),
      ];
      if (params.regionIds !== null) where.push(sql`c.region_id = ANY(${bigintArray(params.regionIds)})`);
      const rows = await executor.execute<CurrentRow>(sql`
        SELECT count(*) AS n, min(c.price / lot.quantity) AS min,
               percentile_disc(0.25) WITHIN GROUP (ORDER BY c.price / lot.quantity) AS p25,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY c.price / lot.quantity) AS median
        FROM contracts c CROSS JOIN ${SINGLE_TYPE_LOT}
        WHERE ${sql.join(where, sql` AND `)}`);
      return rows[0] ?? { n: '0', min: null, p25: null, median: null };
    },

    /** Per closed day (from `fromDay` to `toDay`, inclusive) and kind: count, min, lower median, max. */
    async history(executor: Executor, params: ContractPriceParams, fromDay: string, toDay: string): Promise<KindDayRow[]> {
      const where: SQL[] = [
        sql`o.type_id = ${params.typeId.toString()}::bigint`,
        sql`o.closed_day BETWEEN ${fromDay}::date AND ${toDay}::date`,
        ...termConditions('o', params),
      ];
      if (params.regionIds !== null) where.push(sql`o.region_id = ANY(${bigintArray(params.regionIds)})`);
      const rows = await executor.execute<KindDayRow>(sql`
        SELECT o.closed_day::text AS day, o.kind, count(*) AS n, min(o.unit_price) AS min,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY o.unit_price) AS median, max(o.unit_price) AS max
        FROM price_observations o
        WHERE ${sql.join(where, sql` AND `)}
        GROUP BY o.closed_day, o.kind
        ORDER BY o.closed_day, o.kind`);
      return [...rows];
    },
  };
}

export type PriceObservationsRepository = ReturnType<typeof createPriceObservationsRepository>;
