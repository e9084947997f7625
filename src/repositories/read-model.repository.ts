/**
 * The reads that fill and advance the API's read model, each run inside the caller's read-only
 * REPEATABLE READ snapshot: the generation and snapshot mark, the contracts changed since a previous
 * snapshot (contract_changes, drizzle/0005–0006), contract rows in keyset batches, their items
 * gathered per contract, and the taxonomy tables.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { CONTRACT_WIRE_COLUMNS, type RawContractRow } from '../domain/contract-wire.js';
import { ENRICHMENT_VERSION } from '../domain/enrichment.js';
import { ITEM_JSON_ARRAY } from './item-json.js';
import { bigintArray } from './sql-arrays.js';

export interface SnapshotMark {
  readonly generation: number;
  /** pg_current_snapshot() as text, to be handed back as the next read's `since`. */
  readonly snapshot: string;
}

export type ModelContractRow = RawContractRow & {
  m_region_id: string;
  m_segment: string;
  m_search_text: string;
  m_label_sort: string;
  m_items_unavailable: boolean;
  m_enrichment_complete: boolean;
  m_closed: boolean;
  m_last_seen_at: string;
};

/** A contract's items in record order, each a JSON array read back by `itemFromJsonArray`. */
export type ModelItemsRow = {
  contract_id: string;
  items: unknown[][];
};

const CONTRACT_COLUMNS = sql.raw(
  [
    ...CONTRACT_WIRE_COLUMNS.map((column) => `c.${column}`),
    'c.region_id AS m_region_id',
    'c.segment AS m_segment',
    'c.search_text AS m_search_text',
    'c.primary_label_sort AS m_label_sort',
    "c.items_status = 'unavailable' AS m_items_unavailable",
    `(c.items_status = 'fetched' AND c.enrichment_status = 'complete' AND c.enrichment_version = ${ENRICHMENT_VERSION}) AS m_enrichment_complete`,
    'c.closed_at IS NOT NULL AS m_closed',
    'c.last_seen_at AS m_last_seen_at',
  ].join(', '),
);

export function createReadModelRepository() {
  async function items(executor: Executor, scope: SQL): Promise<ModelItemsRow[]> {
    return executor.execute<ModelItemsRow>(sql`
      SELECT i.contract_id, json_agg(json_build_array(${ITEM_JSON_ARRAY}) ORDER BY i.record_id) AS items
      FROM contract_items i WHERE ${scope} GROUP BY i.contract_id`);
  }

  return {
    async mark(executor: Executor): Promise<SnapshotMark> {
      const rows = await executor.execute<{ generation: string | null; snapshot: string }>(
        sql`SELECT (SELECT generation FROM sync_state WHERE id = 1) AS generation, pg_current_snapshot()::text AS snapshot`,
      );
      return { generation: Number(rows[0]?.generation ?? 0), snapshot: rows[0]!.snapshot };
    },

    /** Whether the change log still holds every change the snapshot `since` did not see. */
    async bridges(executor: Executor, since: string): Promise<boolean> {
      const rows = await executor.execute<{ gap: boolean | null }>(sql`
        SELECT change_log_floor >= pg_snapshot_xmin(${since}::pg_snapshot) AS gap FROM sync_state WHERE id = 1`);
      return rows[0]?.gap !== true;
    },

    /** Contracts changed by transactions the snapshot `since` did not see (committed since, or in flight then). */
    async changedSince(executor: Executor, since: string): Promise<number[]> {
      const rows = await executor.execute<{ contract_id: string }>(sql`
        SELECT DISTINCT contract_id FROM contract_changes
        WHERE xid >= pg_snapshot_xmin(${since}::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, ${since}::pg_snapshot)`);
      return rows.map((row) => Number(row.contract_id));
    },

    /** Open contracts with ids above `after`, ascending, at most `limit`. */
    async openContractsAfter(executor: Executor, after: number, limit: number): Promise<ModelContractRow[]> {
      return executor.execute<ModelContractRow>(sql`
        SELECT ${CONTRACT_COLUMNS} FROM contracts c
        WHERE c.closed_at IS NULL AND c.contract_id > ${after}::bigint
        ORDER BY c.contract_id LIMIT ${limit}`);
    },

    /** Closed contracts (id, listing region, last sighting) with ids above `after`, ascending. */
    async closedContractsAfter(executor: Executor, after: number, limit: number) {
      return executor.execute<{ contract_id: string; region_id: string; last_seen_at: string }>(sql`
        SELECT contract_id, region_id, last_seen_at FROM contracts
        WHERE closed_at IS NOT NULL AND contract_id > ${after}::bigint
        ORDER BY contract_id LIMIT ${limit}`);
    },

    async contractsByIds(executor: Executor, ids: readonly number[]): Promise<ModelContractRow[]> {
      return executor.execute<ModelContractRow>(sql`SELECT ${CONTRACT_COLUMNS} FROM contracts c WHERE c.contract_id = ANY(${bigintArray(ids)})`);
    },

    /** How many open contracts and items of theirs a full load will read, to size the store once. */
    async openSizes(executor: Executor): Promise<{ contracts: number; items: number }> {
      const rows = await executor.execute<{ contracts: string; items: string }>(sql`
        SELECT (SELECT count(*) FROM contracts WHERE closed_at IS NULL) AS contracts,
               (SELECT count(*) FROM contract_items i JOIN contracts c ON c.contract_id = i.contract_id WHERE c.closed_at IS NULL) AS items`);
      return { contracts: Number(rows[0]?.contracts ?? 0), items: Number(rows[0]?.items ?? 0) };
    },

    async itemsOf(executor: Executor, ids: readonly number[]): Promise<ModelItemsRow[]> {
      return items(executor, sql`i.contract_id = ANY(${bigintArray(ids)})`);
    },

    /**
     * The items of (at least) the contracts `openContractsAfter(after, limit)` returns, in a
     * statement of its own so both can be sent at once: an id range, which the items' primary key
     * reads directly (closed contracts in the range come along and are ignored).
     */
    async openItemsAfter(executor: Executor, after: number, limit: number): Promise<ModelItemsRow[]> {
      return items(
        executor,
        sql`i.contract_id > ${after}::bigint AND i.contract_id <= (
              SELECT max(contract_id) FROM (
                SELECT contract_id FROM contracts WHERE closed_at IS NULL AND contract_id > ${after}::bigint ORDER BY contract_id LIMIT ${limit}) batch)`,
      );
    },

    async taxonomyTables(executor: Executor) {
      const [categories, groups] = await Promise.all([
        executor.execute<{ category_id: string; name: string | null }>(sql`SELECT category_id, name FROM esi_categories`),
        executor.execute<{ group_id: string; category_id: string | null; name: string | null }>(
          sql`SELECT group_id, category_id, name FROM esi_groups`,
        ),
      ]);
      return { categories, groups };
    },
  };
}

export type ReadModelRepository = ReturnType<typeof createReadModelRepository>;
