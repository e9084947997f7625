import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { bulkWrite } from '../db/bulk.js';
import { deriveContractFields, derivedColumns } from '../domain/derived-fields.js';
import { isItemBearing } from '../domain/contract-types.js';
import type { ListingContract } from '../sync/model.js';
import { EXPIRY_GRACE_MS } from '../domain/price-history.js';
import { bigintArray } from './sql-arrays.js';
import { insertObservationsOf } from './price-observations.repository.js';

/** Contract columns written at first sight (ESI facts, listing state, first derived values). */
const NEW_CONTRACT_COLUMNS = [
  'contract_id', 'type', 'title', 'for_corporation', 'issuer_id', 'issuer_corporation_id', 'start_location_id',
  'end_location_id', 'date_issued', 'date_expired', 'price', 'collateral', 'reward', 'volume', 'buyout',
  'days_to_complete', 'region_id', 'first_seen_at', 'last_seen_at', 'items_status', 'bids_status',
  'enrichment_status', 'is_ship_contract', 'is_blueprint_copy_contract', 'primary_label', 'primary_label_sort', 'composition',
  'blueprint_summary', 'search_text',
] as const;

export interface RegionState {
  regionId: number;
  nextPollAt: Date | null;
  lastSnapshotAt: Date | null;
  openCount: number;
  pageCount: number | null;
  possiblyTruncated: boolean;
  holdSince: Date | null;
}

export interface ClosureWriteResult {
  closed: number;
  /** Price observations written (single-type offers among the closed). */
  observed: number;
}

export interface BatchWriteResult {
  inserted: number;
  restamped: number;
  reopened: number;
  /** Ids listed by this region but stored under another one (kept there, restamped). */
  foreignRegion: number[];
}

function newContractRow(contract: ListingContract, regionId: number, snapshotAt: Date) {
  const derived = deriveContractFields(
    { contractId: contract.contractId, type: contract.type, title: contract.title, endLocationName: null },
    null,
    contract.volume,
    new Map(),
  );
  return {
    contract_id: contract.contractId,
    type: contract.type,
    title: contract.title,
    for_corporation: contract.forCorporation,
    issuer_id: contract.issuerId,
    issuer_corporation_id: contract.issuerCorporationId,
    start_location_id: contract.startLocationId,
    end_location_id: contract.endLocationId,
    date_issued: contract.dateIssued.toISOString(),
    date_expired: contract.dateExpired.toISOString(),
    price: contract.price,
    collateral: contract.collateral,
    reward: contract.reward,
    volume: contract.volume,
    buyout: contract.buyout,
    days_to_complete: contract.daysToComplete,
    region_id: regionId,
    first_seen_at: snapshotAt.toISOString(),
    last_seen_at: snapshotAt.toISOString(),
    items_status: isItemBearing(contract.type) ? 'pending' : 'not_applicable',
    // Only auctions have bids (docs/extensions.md §2.2); null keeps every other type out of the queue.
    bids_status: contract.type === 'auction' ? 'pending' : null,
    enrichment_status: 'pending',
    is_ship_contract: false,
    ...derivedColumns(derived),
  };
}

export function createSyncWriteRepository() {
  return {
    /** Increments the data generation inside the caller's transaction (docs/sync.md §5.6). */
    async bumpGeneration(tx: Executor): Promise<number> {
      const rows = await tx.execute<{ generation: string }>(
        sql`UPDATE sync_state SET generation = generation + 1, generation_changed_at = now() WHERE id = 1 RETURNING generation`,
      );
      return Number(rows[0]?.generation ?? 0);
    },

    async regionState(executor: Executor, regionId: number): Promise<RegionState | null> {
      const rows = await executor.execute<{
        region_id: string; next_poll_at: string | null; last_snapshot_at: string | null; open_count: number;
        page_count: number | null; possibly_truncated: boolean; hold_since: string | null;
      }>(sql`SELECT region_id, next_poll_at, last_snapshot_at, open_count, page_count, possibly_truncated, hold_since
             FROM sync_regions WHERE region_id = ${regionId}`);
      const row = rows[0];
      if (!row) return null;
      const date = (text: string | null) => (text === null ? null : new Date(text));
      return {
        regionId: Number(row.region_id),
        nextPollAt: date(row.next_poll_at),
        lastSnapshotAt: date(row.last_snapshot_at),
        openCount: row.open_count,
        pageCount: row.page_count,
        possiblyTruncated: row.possibly_truncated,
        holdSince: date(row.hold_since),
      };
    },

    /** Persisted as soon as page 1 arrives, so a crash cannot cause an early re-poll (docs/sync.md §3.3). */
    async setNextPoll(executor: Executor, regionId: number, nextPollAt: Date): Promise<void> {
      await executor.execute(sql`
        INSERT INTO sync_regions (region_id, next_poll_at, updated_at) VALUES (${regionId}, ${nextPollAt.toISOString()}::timestamptz, now())
        ON CONFLICT (region_id) DO UPDATE SET next_poll_at = EXCLUDED.next_poll_at, updated_at = now()`);
    },

    async setRegionOutcome(executor: Executor, regionId: number, outcome: string, detail: string | null): Promise<void> {
      await executor.execute(sql`
        INSERT INTO sync_regions (region_id, last_outcome, last_detail, updated_at) VALUES (${regionId}, ${outcome}, ${detail}, now())
        ON CONFLICT (region_id) DO UPDATE SET last_outcome = EXCLUDED.last_outcome, last_detail = EXCLUDED.last_detail, updated_at = now()`);
    },

    /**
     * One batch of a consistent snapshot (docs/sync.md §5.2): inserts new contracts and restamps (and
     * reopens) known ones, ESI facts untouched. `seenOnlyIds` are rows seen but skipped as invalid.
     */
    async writeContractBatch(
      tx: Executor,
      contracts: readonly ListingContract[],
      seenOnlyIds: readonly number[],
      regionId: number,
      snapshotAt: Date,
    ): Promise<BatchWriteResult> {
      const inserted = await bulkWrite(
        tx,
        contracts.map((contract) => newContractRow(contract, regionId, snapshotAt)),
        { table: 'contracts', columns: NEW_CONTRACT_COLUMNS, conflictTarget: ['contract_id'] },
      );
      const ids = [...contracts.map((c) => c.contractId), ...seenOnlyIds];
      const updated = ids.length === 0 ? [] : await tx.execute<{ reopened: boolean; region_id: string; contract_id: string }>(sql`
        WITH previous AS (
          SELECT contract_id, closed_at FROM contracts
          WHERE contract_id = ANY(${bigintArray(ids)})
            -- A contract closed by a newer snapshot stays closed: this snapshot is older news.
            AND (last_seen_at < ${snapshotAt.toISOString()}::timestamptz AND closed_at IS NULL OR closed_at < ${snapshotAt.toISOString()}::timestamptz)
          FOR UPDATE
        ),
        -- A contract listed again never left: what its closure observed was not a sale or an expiry.
        unobserved AS (
          DELETE FROM price_observations o USING previous p WHERE o.contract_id = p.contract_id AND p.closed_at IS NOT NULL
        )
        UPDATE contracts c SET last_seen_at = GREATEST(c.last_seen_at, ${snapshotAt.toISOString()}::timestamptz), closed_at = NULL, close_reason = NULL
        FROM previous p WHERE c.contract_id = p.contract_id
        RETURNING p.closed_at IS NOT NULL AS reopened, c.region_id, c.contract_id`);
      return {
        inserted,
        restamped: updated.length,
        reopened: updated.filter((row) => row.reopened).length,
        foreignRegion: updated.filter((row) => Number(row.region_id) !== regionId).map((row) => Number(row.contract_id)),
      };
    },

    /**
     * Takes the region's row lock for the rest of the transaction and returns the newest snapshot
     * already recorded: closures of two sweeps of one region serialise on it (docs/sync.md §5.3).
     */
    async lockRegion(tx: Executor, regionId: number): Promise<Date | null> {
      await tx.execute(sql`INSERT INTO sync_regions (region_id, updated_at) VALUES (${regionId}, now()) ON CONFLICT (region_id) DO NOTHING`);
      const rows = await tx.execute<{ last_snapshot_at: string | null }>(
        sql`SELECT last_snapshot_at FROM sync_regions WHERE region_id = ${regionId} FOR UPDATE`,
      );
      const at = rows[0]?.last_snapshot_at ?? null;
      return at === null ? null : new Date(at);
    },

    async openContractCount(executor: Executor, regionId: number): Promise<number> {
      const rows = await executor.execute<{ n: string }>(
        sql`SELECT count(*) AS n FROM contracts WHERE region_id = ${regionId} AND closed_at IS NULL`,
      );
      return Number(rows[0]?.n ?? 0);
    },

    /**
     * Closes the region's open contracts absent from the snapshot (docs/sync.md §5.3) and records the
     * price observations of the single-type offers among them in the same statement, so the two
     * commit or roll back together; `maxEligibleId` is the truncation horizon. The snapshot's ids
     * travel as one array parameter.
     */
    async closeMissing(
      tx: Executor,
      regionId: number,
      snapshotIds: readonly number[],
      snapshotAt: Date,
      maxEligibleId: number | null,
    ): Promise<ClosureWriteResult> {
      const at = snapshotAt.toISOString();
      const horizon = maxEligibleId === null ? sql`` : sql`AND contract_id <= ${maxEligibleId}`;
      const rows = await tx.execute<{ closed: string; observed: string }>(sql`
        WITH closed AS (
          UPDATE contracts SET closed_at = ${at}::timestamptz,
            close_reason = CASE WHEN date_expired <= ${at}::timestamptz + make_interval(secs => ${EXPIRY_GRACE_MS / 1000})
                                THEN 'expired' ELSE 'gone_early' END
          WHERE region_id = ${regionId} AND closed_at IS NULL ${horizon}
            -- Seen by a newer snapshot (another sweep's batch): not this snapshot's to close.
            AND last_seen_at <= ${at}::timestamptz
            AND NOT (contract_id = ANY(${bigintArray(snapshotIds)}))
          RETURNING contract_id, region_id, type, items_status, price, close_reason, closed_at
        ),
        observed AS (${insertObservationsOf(sql`closed`)} RETURNING 1)
        SELECT (SELECT count(*) FROM closed) AS closed, (SELECT count(*) FROM observed) AS observed`);
      return { closed: Number(rows[0]?.closed ?? 0), observed: Number(rows[0]?.observed ?? 0) };
    },

    async finishRegionSnapshot(
      tx: Executor,
      state: { regionId: number; snapshotAt: Date; openCount: number; pageCount: number; possiblyTruncated: boolean; holdSince: Date | null },
    ): Promise<void> {
      await tx.execute(sql`
        INSERT INTO sync_regions (region_id, last_snapshot_at, open_count, page_count, possibly_truncated, hold_since, updated_at)
        VALUES (${state.regionId}, ${state.snapshotAt.toISOString()}::timestamptz, ${state.openCount}, ${state.pageCount},
                ${state.possiblyTruncated}, ${state.holdSince?.toISOString() ?? null}::timestamptz, now())
        ON CONFLICT (region_id) DO UPDATE SET last_snapshot_at = GREATEST(sync_regions.last_snapshot_at, EXCLUDED.last_snapshot_at), open_count = EXCLUDED.open_count,
          page_count = EXCLUDED.page_count, possibly_truncated = EXCLUDED.possibly_truncated,
          hold_since = EXCLUDED.hold_since, updated_at = now()`);
    },

    /**
     * Refreshes planner statistics after a bulk change: until autovacuum gets to it, a freshly
     * filled table is planned as nearly empty and list queries pick full scans.
     */
    async analyze(executor: Executor, tables: readonly ('contracts' | 'contract_items')[]): Promise<void> {
      await executor.execute(sql.raw(`ANALYZE ${tables.join(', ')}`));
    },

    async setHold(tx: Executor, regionId: number, holdSince: Date): Promise<void> {
      await tx.execute(sql`
        INSERT INTO sync_regions (region_id, hold_since, updated_at) VALUES (${regionId}, ${holdSince.toISOString()}::timestamptz, now())
        ON CONFLICT (region_id) DO UPDATE SET hold_since = COALESCE(sync_regions.hold_since, EXCLUDED.hold_since), updated_at = now()`);
    },
  };
}

export type SyncWriteRepository = ReturnType<typeof createSyncWriteRepository>;
