import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

export interface IngestFreshness {
  /** finished_at of the newest run with outcome success or partial (Postgres text), or null. */
  lastSuccessFinishedAt: string | null;
  lastOutcome: string | null;
}

export interface RegionStatusRow {
  regionId: number;
  openCount: number;
  lastSnapshotAt: Date | null;
  nextPollAt: Date | null;
  lastOutcome: string | null;
  lastDetail: string | null;
  holdSince: Date | null;
}

export interface RunStatusRow {
  runId: number;
  trigger: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: string | null;
  detail: string | null;
  esiRequests: number;
  contractsNew: number;
  contractsClosed: number;
  itemsFetched: number;
}

export interface EsiStatusRow {
  errorLimitRemain: number | null;
  pausedUntil: Date | null;
  pauseReason: string | null;
  pauseGroup: string | null;
  updatedAt: Date;
}

const toDate = (text: string | null): Date | null => (text === null ? null : new Date(text));

export function createSyncStatusRepository() {
  return {
    async regions(executor: Executor): Promise<RegionStatusRow[]> {
      const rows = await executor.execute<{
        region_id: string; open_count: number; last_snapshot_at: string | null; next_poll_at: string | null;
        last_outcome: string | null; last_detail: string | null; hold_since: string | null;
      }>(sql`SELECT region_id, open_count, last_snapshot_at, next_poll_at, last_outcome, last_detail, hold_since
             FROM sync_regions ORDER BY region_id`);
      return rows.map((row) => ({
        regionId: Number(row.region_id),
        openCount: row.open_count,
        lastSnapshotAt: toDate(row.last_snapshot_at),
        nextPollAt: toDate(row.next_poll_at),
        lastOutcome: row.last_outcome,
        lastDetail: row.last_detail,
        holdSince: toDate(row.hold_since),
      }));
    },

    /** Regions with at least one committed sweep (the region-set fall-back of docs/sync.md §7). */
    async sweptRegionIds(executor: Executor): Promise<number[]> {
      const rows = await executor.execute<{ region_id: string }>(
        sql`SELECT region_id FROM sync_regions WHERE last_snapshot_at IS NOT NULL ORDER BY region_id`,
      );
      return rows.map((row) => Number(row.region_id));
    },

    async recentRuns(executor: Executor, limit: number): Promise<RunStatusRow[]> {
      const rows = await executor.execute<{
        run_id: string; trigger: string; started_at: string; finished_at: string | null; outcome: string | null; detail: string | null;
        esi_requests: number; contracts_new: number; contracts_closed: number; items_fetched: number;
      }>(sql`SELECT id AS run_id, trigger, started_at, finished_at, outcome, detail, esi_requests, contracts_new, contracts_closed, items_fetched
             FROM sync_runs WHERE scope = 'run' ORDER BY started_at DESC, id DESC LIMIT ${limit}`);
      return rows.map((row) => ({
        runId: Number(row.run_id),
        trigger: row.trigger,
        startedAt: new Date(row.started_at),
        finishedAt: toDate(row.finished_at),
        outcome: row.outcome,
        detail: row.detail,
        esiRequests: row.esi_requests,
        contractsNew: row.contracts_new,
        contractsClosed: row.contracts_closed,
        itemsFetched: row.items_fetched,
      }));
    },

    async generation(executor: Executor): Promise<{ generation: number; changedAt: Date } | null> {
      const [row] = await executor.execute<{ generation: string; changed_at: string }>(
        sql`SELECT generation, generation_changed_at AS changed_at FROM sync_state WHERE id = 1`,
      );
      return row ? { generation: Number(row.generation), changedAt: new Date(row.changed_at) } : null;
    },

    async esiStatus(executor: Executor): Promise<EsiStatusRow | null> {
      const [row] = await executor.execute<{
        error_limit_remain: number | null; paused_until: string | null; pause_reason: string | null; pause_group: string | null; updated_at: string;
      }>(sql`SELECT error_limit_remain, paused_until, pause_reason, pause_group, updated_at FROM esi_status WHERE id = 1`);
      if (!row) return null;
      return {
        errorLimitRemain: row.error_limit_remain,
        pausedUntil: toDate(row.paused_until),
        pauseReason: row.pause_reason,
        pauseGroup: row.pause_group,
        updatedAt: new Date(row.updated_at),
      };
    },

    async recordEsiStatus(executor: Executor, status: Omit<EsiStatusRow, 'updatedAt'>): Promise<void> {
      await executor.execute(sql`
        INSERT INTO esi_status (id, error_limit_remain, paused_until, pause_reason, pause_group, updated_at)
        VALUES (1, ${status.errorLimitRemain}, ${status.pausedUntil?.toISOString() ?? null}::timestamptz, ${status.pauseReason}, ${status.pauseGroup}, now())
        ON CONFLICT (id) DO UPDATE SET error_limit_remain = EXCLUDED.error_limit_remain, paused_until = EXCLUDED.paused_until,
          pause_reason = EXCLUDED.pause_reason, pause_group = EXCLUDED.pause_group, updated_at = now()`);
    },

    async freshness(executor: Executor): Promise<IngestFreshness> {
      const [row] = await executor.execute<{ success_at: string | null; outcome: string | null }>(sql`
        SELECT
          (SELECT finished_at FROM sync_runs
            WHERE scope = 'run' AND finished_at IS NOT NULL AND outcome IN ('success', 'partial')
            ORDER BY finished_at DESC LIMIT 1) AS success_at,
          (SELECT outcome FROM sync_runs
            WHERE scope = 'run' AND finished_at IS NOT NULL
            ORDER BY finished_at DESC LIMIT 1) AS outcome`);
      return { lastSuccessFinishedAt: row?.success_at ?? null, lastOutcome: row?.outcome ?? null };
    },
  };
}

export type SyncStatusRepository = ReturnType<typeof createSyncStatusRepository>;
