import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { bulkWrite } from '../db/bulk.js';
import type { BlueprintSummary, CompositionSummary } from '../domain/derived-fields.js';
import { bigintArray } from './sql-arrays.js';

export interface EnrichedItemRow {
  contract_id: number;
  record_id: number;
  type_id: number;
  quantity: number;
  is_included: boolean;
  is_blueprint_copy: boolean | null;
  item_id: number | null;
  runs: number | null;
  material_efficiency: number | null;
  time_efficiency: number | null;
  type_name: string | null;
  group_id: number | null;
  category_id: number | null;
  market_group_id: number | null;
  category: string | null;
}

const ITEM_COLUMNS = [
  'contract_id', 'record_id', 'type_id', 'quantity', 'is_included', 'is_blueprint_copy', 'item_id', 'runs',
  'material_efficiency', 'time_efficiency', 'type_name', 'group_id', 'category_id', 'market_group_id', 'category',
] as const;

/** What the derivation needs of a stored contract and its items. */
export interface DerivationSource {
  contractId: number;
  type: string;
  title: string | null;
  endLocationName: string | null;
  volume: number | null;
  isShipContract: boolean;
  enrichmentAttempts: number;
  items: {
    recordId: number;
    typeId: number;
    isIncluded: boolean;
    isBlueprintCopy: boolean | null;
    typeName: string | null;
    groupId: number | null;
    categoryId: number | null;
    marketGroupId: number | null;
    runs: number | null;
    materialEfficiency: number | null;
    timeEfficiency: number | null;
  }[] | null;
}

export interface DerivedUpdate {
  contractId: number;
  isShipContract: boolean;
  isBlueprintCopyContract: boolean;
  primaryLabel: string;
  primaryLabelSort: string;
  composition: CompositionSummary | null;
  blueprintSummary: BlueprintSummary | null;
  searchText: string;
  /** Only for contracts whose items are fetched. */
  enrichment: { status: 'complete' | 'incomplete'; version: number; attempts: number; nextAttemptAt: Date | null } | null;
}

const num = (value: string | null) => (value === null ? null : Number(value));

export interface ItemsQueueStatus {
  /** Pending and due now. */
  due: number;
  /** Pending, backing off after a failed fetch. */
  waiting: number;
  oldestPendingSince: Date | null;
}

/** Open, unexpired item-bearing contracts whose items are not fetched yet: the items queue. */
const waitingForItems = (now: Date) => sql`
  closed_at IS NULL AND items_status = 'pending' AND type IN ('item_exchange', 'auction')
  AND date_expired > ${now.toISOString()}::timestamptz`;

export function createItemsRepository() {
  return {
    /** The durable items queue (docs/sync.md §5.4): newest first, never courier/loan/unknown types. */
    async dueContracts(executor: Executor, now: Date, limit: number): Promise<number[]> {
      const rows = await executor.execute<{ contract_id: string }>(sql`
        SELECT contract_id FROM contracts
        WHERE ${waitingForItems(now)}
          AND (items_next_attempt_at IS NULL OR items_next_attempt_at <= ${now.toISOString()}::timestamptz)
        ORDER BY date_issued DESC, contract_id DESC
        LIMIT ${limit}`);
      return rows.map((row) => Number(row.contract_id));
    },

    /** The queue's size (due now, or backing off after a failure) and its oldest entry, for /status and /metrics. */
    async queueStatus(executor: Executor, now: Date): Promise<ItemsQueueStatus> {
      const at = now.toISOString();
      const [row] = await executor.execute<{ due: string; waiting: string; oldest: string | null }>(sql`
        SELECT count(*) FILTER (WHERE items_next_attempt_at IS NULL OR items_next_attempt_at <= ${at}::timestamptz) AS due,
               count(*) FILTER (WHERE items_next_attempt_at > ${at}::timestamptz) AS waiting,
               min(first_seen_at) AS oldest
        FROM contracts WHERE ${waitingForItems(now)}`);
      return {
        due: Number(row?.due ?? 0),
        waiting: Number(row?.waiting ?? 0),
        oldestPendingSince: row?.oldest == null ? null : new Date(row.oldest),
      };
    },

    async markUnavailable(tx: Executor, contractId: number, httpStatus: number): Promise<void> {
      await tx.execute(sql`
        UPDATE contracts SET items_status = 'unavailable', items_http_status = ${httpStatus}
        WHERE contract_id = ${contractId} AND items_status = 'pending'`);
    },

    async markFailure(executor: Executor, contractId: number, nextAttemptAt: Date): Promise<number> {
      const rows = await executor.execute<{ attempts: number }>(sql`
        UPDATE contracts SET items_attempts = items_attempts + 1, items_next_attempt_at = ${nextAttemptAt.toISOString()}::timestamptz
        WHERE contract_id = ${contractId} AND items_status = 'pending' RETURNING items_attempts AS attempts`);
      return rows[0]?.attempts ?? 0;
    },

    async attemptsOf(executor: Executor, contractId: number): Promise<number> {
      const rows = await executor.execute<{ attempts: number }>(sql`SELECT items_attempts AS attempts FROM contracts WHERE contract_id = ${contractId}`);
      return rows[0]?.attempts ?? 0;
    },

    /** Stores a contract's complete item set and marks it fetched, in the caller's transaction. */
    async insertItems(tx: Executor, contractIds: readonly number[], rows: readonly EnrichedItemRow[], fetchedAt: Date): Promise<number[]> {
      await bulkWrite(tx, rows as unknown as Record<string, unknown>[], { table: 'contract_items', columns: ITEM_COLUMNS, conflictTarget: ['contract_id', 'record_id'] });
      const marked = await tx.execute<{ contract_id: string }>(sql`
        UPDATE contracts SET items_status = 'fetched', items_http_status = 200, items_fetched_at = ${fetchedAt.toISOString()}::timestamptz
        WHERE contract_id = ANY(${bigintArray(contractIds)}) AND items_status = 'pending' RETURNING contract_id`);
      return marked.map((row) => Number(row.contract_id));
    },

    async derivationSources(executor: Executor, contractIds: readonly number[]): Promise<DerivationSource[]> {
      if (contractIds.length === 0) return [];
      const contracts = await executor.execute<{
        contract_id: string; type: string; title: string | null; end_location_name: string | null; volume: number | null;
        is_ship_contract: boolean; items_status: string; enrichment_attempts: number;
      }>(sql`SELECT contract_id, type, title, end_location_name, volume, is_ship_contract, items_status, enrichment_attempts
             FROM contracts WHERE contract_id = ANY(${bigintArray(contractIds)})`);
      const items = await executor.execute<{
        contract_id: string; record_id: string; type_id: string; is_included: boolean; is_blueprint_copy: boolean | null;
        type_name: string | null; group_id: string | null; category_id: string | null; market_group_id: string | null;
        runs: number | null; material_efficiency: number | null; time_efficiency: number | null;
      }>(sql`SELECT contract_id, record_id, type_id, is_included, is_blueprint_copy, type_name, group_id, category_id,
                    market_group_id, runs, material_efficiency, time_efficiency
             FROM contract_items WHERE contract_id = ANY(${bigintArray(contractIds)})`);
      const byContract = new Map<number, DerivationSource['items'] & object>();
      for (const item of items) {
        const list = byContract.get(Number(item.contract_id)) ?? [];
        list.push({
          recordId: Number(item.record_id),
          typeId: Number(item.type_id),
          isIncluded: item.is_included,
          isBlueprintCopy: item.is_blueprint_copy,
          typeName: item.type_name,
          groupId: num(item.group_id),
          categoryId: num(item.category_id),
          marketGroupId: num(item.market_group_id),
          runs: item.runs,
          materialEfficiency: item.material_efficiency,
          timeEfficiency: item.time_efficiency,
        });
        byContract.set(Number(item.contract_id), list);
      }
      return contracts.map((c) => ({
        contractId: Number(c.contract_id),
        type: c.type,
        title: c.title,
        endLocationName: c.end_location_name,
        volume: c.volume,
        isShipContract: c.is_ship_contract,
        enrichmentAttempts: c.enrichment_attempts,
        items: c.items_status === 'fetched' ? (byContract.get(Number(c.contract_id)) ?? []) : null,
      }));
    },

    /** Rewrites item enrichment columns (after types resolved later, or an enrichment version bump). */
    async updateItemEnrichment(tx: Executor, rows: readonly Pick<EnrichedItemRow, 'contract_id' | 'record_id' | 'type_name' | 'group_id' | 'category_id' | 'market_group_id' | 'category'>[]): Promise<number> {
      if (rows.length === 0) return 0;
      const result = await tx.execute(sql`
        UPDATE contract_items i SET type_name = u.type_name, group_id = u.group_id, category_id = u.category_id,
          market_group_id = u.market_group_id, category = u.category
        FROM json_populate_recordset(NULL::contract_items, ${JSON.stringify(rows)}::json) u
        WHERE i.contract_id = u.contract_id AND i.record_id = u.record_id
          AND (i.type_name, i.group_id, i.category_id, i.market_group_id, i.category)
              IS DISTINCT FROM (u.type_name, u.group_id, u.category_id, u.market_group_id, u.category)`);
      return (result as unknown as { count: number }).count;
    },

    /** Writes derived fields where they differ; returns how many contracts changed visibly. */
    async updateDerived(tx: Executor, updates: readonly DerivedUpdate[]): Promise<number> {
      if (updates.length === 0) return 0;
      const payload = updates.map((u) => ({
        contract_id: u.contractId,
        is_ship_contract: u.isShipContract,
        is_blueprint_copy_contract: u.isBlueprintCopyContract,
        primary_label: u.primaryLabel,
        primary_label_sort: u.primaryLabelSort,
        composition: u.composition,
        blueprint_summary: u.blueprintSummary,
        search_text: u.searchText,
        enrichment_status: u.enrichment?.status ?? null,
        enrichment_version: u.enrichment?.version ?? null,
        enrichment_attempts: u.enrichment?.attempts ?? null,
        enrichment_next_attempt_at: u.enrichment?.nextAttemptAt?.toISOString() ?? null,
      }));
      const visible = await tx.execute<{ changed: boolean }>(sql`
        WITH u AS (
          SELECT * FROM json_to_recordset(${JSON.stringify(payload)}::json) AS x(
            contract_id bigint, is_ship_contract boolean, is_blueprint_copy_contract boolean, primary_label text,
            primary_label_sort text, composition jsonb, blueprint_summary jsonb, search_text text,
            enrichment_status text, enrichment_version integer, enrichment_attempts integer, enrichment_next_attempt_at timestamptz)
        ), old AS (
          SELECT c.contract_id, (c.is_ship_contract, c.is_blueprint_copy_contract, c.primary_label, c.composition, c.blueprint_summary,
                  c.search_text, c.enrichment_status, c.enrichment_version) AS visible
          FROM contracts c JOIN u ON u.contract_id = c.contract_id FOR UPDATE OF c
        )
        UPDATE contracts c SET
          is_ship_contract = u.is_ship_contract, is_blueprint_copy_contract = u.is_blueprint_copy_contract,
          primary_label = u.primary_label, primary_label_sort = u.primary_label_sort, composition = u.composition,
          blueprint_summary = u.blueprint_summary, search_text = u.search_text,
          enrichment_status = COALESCE(u.enrichment_status, c.enrichment_status),
          enrichment_version = COALESCE(u.enrichment_version, c.enrichment_version),
          enrichment_attempts = COALESCE(u.enrichment_attempts, c.enrichment_attempts),
          enrichment_next_attempt_at = CASE WHEN u.enrichment_status IS NULL THEN c.enrichment_next_attempt_at ELSE u.enrichment_next_attempt_at END
        FROM u JOIN old ON old.contract_id = u.contract_id
        WHERE c.contract_id = u.contract_id
        RETURNING old.visible IS DISTINCT FROM (c.is_ship_contract, c.is_blueprint_copy_contract, c.primary_label, c.composition,
                  c.blueprint_summary, c.search_text, c.enrichment_status, c.enrichment_version) AS changed`);
      return visible.filter((row) => row.changed).length;
    },

    /** Fetched contracts needing enrichment again: incomplete and due, or of an older version. */
    async enrichmentDue(executor: Executor, now: Date, version: number, limit: number): Promise<number[]> {
      const rows = await executor.execute<{ contract_id: string }>(sql`
        SELECT contract_id FROM contracts
        WHERE items_status = 'fetched' AND (
          enrichment_version < ${version}
          OR (enrichment_status = 'incomplete' AND (enrichment_next_attempt_at IS NULL OR enrichment_next_attempt_at <= ${now.toISOString()}::timestamptz)))
        ORDER BY contract_id LIMIT ${limit}`);
      return rows.map((row) => Number(row.contract_id));
    },

    /** Contracts whose stored composition lacks a category name that is now known. */
    /** Queues every fetched contract for re-enrichment from its stored items (phase (d)). */
    async requireReenrichment(executor: Executor): Promise<void> {
      await executor.execute(sql`UPDATE contracts SET enrichment_version = 0 WHERE items_status = 'fetched'`);
    },

    async contractsWithStaleCompositionNames(executor: Executor): Promise<number[]> {
      const rows = await executor.execute<{ contract_id: string }>(sql`
        SELECT DISTINCT c.contract_id FROM contracts c
        CROSS JOIN LATERAL jsonb_array_elements(c.composition -> 'categories') AS e(entry)
        JOIN esi_categories k ON k.category_id = (e.entry ->> 'category_id')::bigint AND k.name IS NOT NULL
        WHERE c.composition IS NOT NULL AND e.entry ->> 'name' IS NULL AND e.entry ->> 'category_id' IS NOT NULL`);
      return rows.map((row) => Number(row.contract_id));
    },
  };
}

export type ItemsRepository = ReturnType<typeof createItemsRepository>;
