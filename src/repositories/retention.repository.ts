import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

/** Deletions of docs/sync.md §5.8; contract deletes are bounded so each transaction stays small. */
export function createRetentionRepository() {
  return {
    /** Deletes at most `limit` contracts (items cascade) closed or expired before `cutoff`. */
    async deleteOldContracts(tx: Executor, cutoff: Date, limit: number): Promise<number> {
      const at = cutoff.toISOString();
      const rows = await tx.execute(sql`
        DELETE FROM contracts WHERE contract_id IN (
          SELECT contract_id FROM contracts
          WHERE closed_at < ${at}::timestamptz OR date_expired < ${at}::timestamptz
          LIMIT ${limit})`);
      return (rows as unknown as { count: number }).count;
    },

    /**
     * Deletes at most `limit` price observations closed before `firstKeptDay` (YYYY-MM-DD, UTC).
     * Contracts' retention never touches them: they have no foreign key.
     */
    async deleteOldObservations(tx: Executor, firstKeptDay: string, limit: number): Promise<number> {
      const rows = await tx.execute(sql`
        DELETE FROM price_observations WHERE contract_id IN (
          SELECT contract_id FROM price_observations WHERE closed_day < ${firstKeptDay}::date LIMIT ${limit})`);
      return (rows as unknown as { count: number }).count;
    },

    /**
     * Deletes change-log rows older than `maxAgeSeconds` by the database's clock (the one that
     * stamped them) and raises the floor to the newest deleted
     * transaction, so a read model whose last snapshot predates it reloads in full instead of
     * missing changes (read-model.repository `bridges`). Returns the rows deleted.
     */
    async pruneChangeLog(tx: Executor, maxAgeSeconds: number): Promise<number> {
      const rows = await tx.execute<{ pruned: string }>(sql`
        WITH pruned AS (DELETE FROM contract_changes WHERE changed_at < now() - make_interval(secs => ${maxAgeSeconds}) RETURNING xid),
        floor AS (
          UPDATE sync_state SET change_log_floor = GREATEST(change_log_floor, (SELECT max(xid) FROM pruned))
          WHERE id = 1 AND EXISTS (SELECT 1 FROM pruned) RETURNING 1
        )
        SELECT count(*) AS pruned FROM pruned`);
      return Number(rows[0]?.pruned ?? 0);
    },

    async deleteOldRuns(executor: Executor, cutoff: Date): Promise<number> {
      const rows = await executor.execute(sql`DELETE FROM sync_runs WHERE started_at < ${cutoff.toISOString()}::timestamptz`);
      return (rows as unknown as { count: number }).count;
    },

    /** Expired negative cache entries (404s remembered for a day, unresolvable names). */
    async deleteExpiredNegativeEntries(executor: Executor, now: Date): Promise<void> {
      const at = now.toISOString();
      for (const table of ['esi_types', 'esi_groups', 'esi_categories', 'esi_stations']) {
        await executor.execute(sql`DELETE FROM ${sql.raw(table)} WHERE name IS NULL AND not_found_until < ${at}::timestamptz`);
      }
      await executor.execute(sql`DELETE FROM esi_names WHERE unresolvable AND expires_at < ${at}::timestamptz`);
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;
