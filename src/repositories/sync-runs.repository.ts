import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import type { RegionCounters, RunCounters, RunTrigger } from '../sync/model.js';

/** The sync_runs bookkeeping of docs/sync.md §5.6: one row per run and one per region swept in it. */
export function createSyncRunsRepository() {
  return {
    /** Opens a run record; older unfinished ones belong to dead processes (we hold the lock). */
    async startRun(executor: Executor, trigger: RunTrigger, startedAt: Date): Promise<{ runId: number; abandoned: number }> {
      const abandoned = await executor.execute(sql`
        UPDATE sync_runs SET finished_at = ${startedAt.toISOString()}::timestamptz, outcome = 'failure', detail = 'abandoned'
        WHERE finished_at IS NULL`);
      const rows = await executor.execute<{ id: string }>(sql`
        INSERT INTO sync_runs (scope, trigger, started_at) VALUES ('run', ${trigger}, ${startedAt.toISOString()}::timestamptz)
        RETURNING id`);
      return { runId: Number(rows[0]!.id), abandoned: (abandoned as unknown as { count: number }).count };
    },

    async recordRegion(
      executor: Executor,
      record: { runId: number; trigger: RunTrigger; regionId: number; startedAt: Date; finishedAt: Date; outcome: string; detail: string | null; counters: RegionCounters },
    ): Promise<void> {
      const c = record.counters;
      await executor.execute(sql`
        INSERT INTO sync_runs (run_id, scope, trigger, region_id, started_at, finished_at, outcome, detail, pages_fetched,
          pages_not_modified, contracts_seen, contracts_new, contracts_closed, contracts_reopened, errors, esi_requests)
        VALUES (${record.runId}, 'region', ${record.trigger}, ${record.regionId}, ${record.startedAt.toISOString()}::timestamptz,
          ${record.finishedAt.toISOString()}::timestamptz, ${record.outcome}, ${record.detail}, ${c.pagesFetched}, ${c.pagesNotModified},
          ${c.contractsSeen}, ${c.contractsNew}, ${c.contractsClosed}, ${c.contractsReopened}, ${c.errors}, ${c.esiRequests})`);
    },

    async finishRun(executor: Executor, runId: number, finishedAt: Date, outcome: string, detail: string | null, c: RunCounters): Promise<void> {
      await executor.execute(sql`
        UPDATE sync_runs SET finished_at = ${finishedAt.toISOString()}::timestamptz, outcome = ${outcome}, detail = ${detail},
          pages_fetched = ${c.pagesFetched}, pages_not_modified = ${c.pagesNotModified}, contracts_seen = ${c.contractsSeen},
          contracts_new = ${c.contractsNew}, contracts_closed = ${c.contractsClosed}, contracts_reopened = ${c.contractsReopened},
          items_fetched = ${c.itemsFetched}, item_rows = ${c.itemRows}, errors = ${c.errors}, esi_requests = ${c.esiRequests}
        WHERE id = ${runId}`);
    },
  };
}

export type SyncRunsRepository = ReturnType<typeof createSyncRunsRepository>;
