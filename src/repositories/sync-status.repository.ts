import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

export interface IngestFreshness {
  /** finished_at of the newest run with outcome success or partial (Postgres text), or null. */
  lastSuccessFinishedAt: string | null;
  lastOutcome: string | null;
}

export function createSyncStatusRepository() {
  return {
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
