/**
 * Reads what the read model needs from PostgreSQL, always inside one read-only REPEATABLE READ
 * snapshot together with that snapshot's generation: everything (a full load), or only the
 * contracts changed since the snapshot of the previous read (a delta).
 */
import type { Database, Executor } from '../db/client.js';
import { segmentOf } from '../domain/contract-types.js';
import { timestampMicros } from '../domain/contract-wire.js';
import type { ModelContractRow, ModelFacetRow, ReadModelRepository } from '../repositories/read-model.repository.js';
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

const numbers = (values: readonly number[] | null): number[] => (values === null ? [] : [...values]);

function toFacets(row: ModelFacetRow | undefined): ItemFacets {
  if (!row) return NO_FACETS;
  return {
    typeIds: numbers(row.type_ids),
    groupIds: numbers(row.group_ids),
    categoryIds: numbers(row.category_ids),
    runs: numbers(row.runs),
    materialEfficiency: numbers(row.material_efficiency),
    timeEfficiency: numbers(row.time_efficiency),
    allCategoryIds: numbers(row.all_category_ids),
  };
}

function toLoaded(row: ModelContractRow, facets: ModelFacetRow | undefined): LoadedContract {
  const base = {
    contractId: Number(row.contract_id),
    regionId: Number(row.m_region_id),
    lastSeenMicros: timestampMicros(row.m_last_seen_at),
  };
  if (row.m_closed) return { ...base, open: null };
  return {
    ...base,
    open: {
      wire: row,
      segment: segmentOf(row.m_segment),
      searchText: row.m_search_text,
      labelSort: row.m_label_sort,
      itemsUnavailable: row.m_items_unavailable,
      enrichmentComplete: row.m_enrichment_complete,
      facets: toFacets(facets),
    },
  };
}

export function createSnapshotLoader(db: Pick<Database, 'transaction'>, repository: ReadModelRepository) {
  function inSnapshot<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return db.transaction(work, { isolationLevel: 'repeatable read', accessMode: 'read only' });
  }

  async function withFacets(tx: Executor, rows: ModelContractRow[]): Promise<LoadedContract[]> {
    const openIds = rows.filter((row) => !row.m_closed).map((row) => Number(row.contract_id));
    return joined(rows, openIds.length === 0 ? [] : await repository.facetsOf(tx, openIds));
  }

  function joined(rows: readonly ModelContractRow[], facets: readonly ModelFacetRow[]): LoadedContract[] {
    const byContract = new Map(facets.map((row) => [Number(row.contract_id), row]));
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
    /** Every stored contract and the taxonomy tables, handed to `sink` batch by batch. */
    full(sink: (changes: StoreChanges) => void): Promise<SnapshotMarkRead> {
      return inSnapshot(async (tx) => {
        const mark = await repository.mark(tx);
        const tables = await taxonomy(tx);
        const batchAfter = (after: number) =>
          Promise.all([repository.openContractsAfter(tx, after, BATCH), repository.openFacetsAfter(tx, after, BATCH)]);
        let next = batchAfter(0);
        for (;;) {
          const [rows, facets] = await next;
          if (rows.length === 0) break;
          // The next batch is read while this one is applied: PostgreSQL works on the other core.
          next = batchAfter(Number(rows.at(-1)!.contract_id));
          await new Promise((resolve) => setImmediate(resolve));
          sink({ upserts: joined(rows, facets), deletedIds: [], taxonomy: tables });
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
          upserts.push(...(await withFacets(tx, rows)));
        }
        const deletedIds = changed.filter((id) => !seen.has(id));
        return { ...mark, changes: { upserts, deletedIds, taxonomy: await taxonomy(tx) } };
      });
    },
  };
}

export type SnapshotLoader = ReturnType<typeof createSnapshotLoader>;
