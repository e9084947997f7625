/**
 * Reads what the read model needs from PostgreSQL, always inside one read-only REPEATABLE READ
 * snapshot together with that snapshot's generation: everything (a full load), or only the
 * contracts changed since the snapshot of the previous read (a delta).
 */
import type { Database, Executor } from '../db/client.js';
import { segmentOf } from '../domain/contract-types.js';
import { contractDetailJson, timestampMicros, type RawContractItemRow } from '../domain/contract-wire.js';
import type { DetailsRead } from '../repositories/contract-read.repository.js';
import { itemFromJsonArray } from '../repositories/item-json.js';
import type { ModelContractRow, ModelItemsRow, ReadModelRepository } from '../repositories/read-model.repository.js';
import type { StoreChanges, TaxonomyTables } from './contract-store.js';
import { NO_FACETS, type ItemFacets, type LoadedContract } from './loaded-contract.js';

/** Rows per statement: bounds the memory of a load, whatever the corpus. */
const BATCH = 2000;

export interface SnapshotMarkRead {
  readonly generation: number;
  /** Handed back as `since` to read the next delta. */
  readonly snapshot: string;
}

export interface LoadedDelta extends SnapshotMarkRead {
  readonly changes: StoreChanges;
}

/** docs/api.md §6.4: the facets of offered items; §10: the categories of every item. */
function facetsOf(items: readonly RawContractItemRow[]): ItemFacets {
  if (items.length === 0) return NO_FACETS;
  const typeIds = new Set<number>();
  const groupIds = new Set<number>();
  const categoryIds = new Set<number>();
  const runs = new Set<number>();
  const materialEfficiency = new Set<number>();
  const timeEfficiency = new Set<number>();
  const allCategoryIds = new Set<number>();
  for (const item of items) {
    if (item.category_id !== null) allCategoryIds.add(Number(item.category_id));
    if (!item.is_included) continue;
    typeIds.add(Number(item.type_id));
    if (item.group_id !== null) groupIds.add(Number(item.group_id));
    if (item.category_id !== null) categoryIds.add(Number(item.category_id));
    if (item.runs !== null) runs.add(item.runs);
    if (item.material_efficiency !== null) materialEfficiency.add(item.material_efficiency);
    if (item.time_efficiency !== null) timeEfficiency.add(item.time_efficiency);
  }
  return {
    typeIds: [...typeIds],
    groupIds: [...groupIds],
    categoryIds: [...categoryIds],
    runs: [...runs],
    materialEfficiency: [...materialEfficiency],
    timeEfficiency: [...timeEfficiency],
    allCategoryIds: [...allCategoryIds],
  };
}

function toLoaded(row: ModelContractRow, itemsRow: ModelItemsRow | undefined): LoadedContract {
  const base = {
    contractId: Number(row.contract_id),
    regionId: Number(row.m_region_id),
    lastSeenMicros: timestampMicros(row.m_last_seen_at),
  };
  if (row.m_closed) return { ...base, open: null };
  const items = itemsRow ? itemsRow.items.map(itemFromJsonArray) : [];
  return {
    ...base,
    open: {
      wire: row,
      segment: segmentOf(row.m_segment),
      searchText: row.m_search_text,
      labelSort: row.m_label_sort,
      itemsUnavailable: row.m_items_unavailable,
      enrichmentComplete: row.m_enrichment_complete,
      items,
      facets: facetsOf(items),
    },
  };
}

export interface FullLoadTarget {
  reserve(open: { contracts: number; items: number }): void;
  apply(changes: StoreChanges): void;
}

export interface DetailBodies {
  readonly generation: number;
  readonly bodies: readonly (readonly [contractId: number, body: Buffer])[];
}

export function createSnapshotLoader(
  db: Pick<Database, 'transaction'> & Executor,
  repository: ReadModelRepository,
  readDetails: (executor: Executor, contractIds: readonly number[]) => Promise<DetailsRead>,
) {
  function inSnapshot<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return db.transaction(work, { isolationLevel: 'repeatable read', accessMode: 'read only' });
  }

  async function withItems(tx: Executor, rows: ModelContractRow[]): Promise<LoadedContract[]> {
    const openIds = rows.filter((row) => !row.m_closed).map((row) => Number(row.contract_id));
    return joined(rows, openIds.length === 0 ? [] : await repository.itemsOf(tx, openIds));
  }

  function joined(rows: readonly ModelContractRow[], items: readonly ModelItemsRow[]): LoadedContract[] {
    const byContract = new Map(items.map((row) => [Number(row.contract_id), row]));
    return rows.map((row) => toLoaded(row, byContract.get(Number(row.contract_id))));
  }

  async function taxonomy(tx: Executor): Promise<TaxonomyTables> {
    const tables = await repository.taxonomyTables(tx);
    return {
      categories: new Map(tables.categories.map((row) => [Number(row.category_id), row.name])),
      groups: new Map(
        tables.groups.map((row) => [
          Number(row.group_id),
          { categoryId: row.category_id === null ? null : Number(row.category_id), name: row.name },
        ]),
      ),
    };
  }

  return {
    /**
     * Every stored contract and the taxonomy tables, handed to `target` batch by batch, after telling
     * it how many open contracts and items to make room for.
     */
    full(target: FullLoadTarget): Promise<SnapshotMarkRead> {
      const sink = (changes: StoreChanges) => target.apply(changes);
      return inSnapshot(async (tx) => {
        const mark = await repository.mark(tx);
        target.reserve(await repository.openSizes(tx));
        const tables = await taxonomy(tx);
        const batchAfter = (after: number) =>
          Promise.all([repository.openContractsAfter(tx, after, BATCH), repository.openItemsAfter(tx, after, BATCH)]);
        let next = batchAfter(0);
        for (;;) {
          const [rows, items] = await next;
          if (rows.length === 0) break;
          // The next batch is read while this one is applied: PostgreSQL works on the other core.
          next = batchAfter(Number(rows.at(-1)!.contract_id));
          await new Promise((resolve) => setImmediate(resolve));
          sink({ upserts: joined(rows, items), deletedIds: [], taxonomy: tables });
        }
        for (let after = 0; ; ) {
          const rows = await repository.closedContractsAfter(tx, after, BATCH);
          if (rows.length === 0) break;
          const upserts = rows.map((row) => ({
            contractId: Number(row.contract_id),
            regionId: Number(row.region_id),
            lastSeenMicros: timestampMicros(row.last_seen_at),
            open: null,
          }));
          sink({ upserts, deletedIds: [], taxonomy: tables });
          after = Number(rows.at(-1)!.contract_id);
        }
        sink({ upserts: [], deletedIds: [], taxonomy: tables });
        return mark;
      });
    },

    /**
     * What changed since the snapshot `since`, or null when the change log no longer reaches back
     * that far (it was pruned) and only a full load can bring the model up to date.
     */
    delta(since: string): Promise<LoadedDelta | null> {
      return inSnapshot(async (tx) => {
        const mark = await repository.mark(tx);
        if (!(await repository.bridges(tx, since))) return null;
        const changed = await repository.changedSince(tx, since);
        const upserts: LoadedContract[] = [];
        const seen = new Set<number>();
        for (let i = 0; i < changed.length; i += BATCH) {
          const rows = await repository.contractsByIds(tx, changed.slice(i, i + BATCH));
          for (const row of rows) seen.add(Number(row.contract_id));
          upserts.push(...(await withItems(tx, rows)));
        }
        const deletedIds = changed.filter((id) => !seen.has(id));
        return { ...mark, changes: { upserts, deletedIds, taxonomy: await taxonomy(tx) } };
      });
    },

    /** The detail bodies of the stored ones of `contractIds`, as the SQL path renders them, and their generation. */
    async details(contractIds: readonly number[]): Promise<DetailBodies> {
      const { generation, details } = await readDetails(db, contractIds);
      return {
        generation,
        bodies: details.map(({ row, items, bids }) => [Number(row.contract_id), Buffer.from(contractDetailJson(row, items, bids))] as const),
      };
    },
  };
}

export type SnapshotLoader = ReturnType<typeof createSnapshotLoader>;
