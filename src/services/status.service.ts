import type { Database } from '../db/client.js';
import type { ReadModelStatus } from '../read-model/read-model.js';
import type { BidsQueueStatus, BidsRepository } from '../repositories/bids.repository.js';
import type { ItemsQueueStatus, ItemsRepository } from '../repositories/items.repository.js';
import type { EsiStatusRow, RegionStatusRow, RunStatusRow, SyncStatusRepository } from '../repositories/sync-status.repository.js';
import { loggableError } from '../logger.js';

export interface StatusSnapshot {
  readonly generatedAt: Date;
  readonly role: string;
  readonly configuredRegionIds: readonly number[];
  readonly intervalSeconds: number;
  /** The process's read model, null when it has none (READ_MODEL=off, ROLE=worker). */
  readonly readModel: ReadModelStatus | null;
  /** What the database says, or null with the reason when it could not be read. */
  readonly database:
    | {
        readonly regions: readonly RegionStatusRow[];
        readonly itemsQueue: ItemsQueueStatus;
        readonly bidsQueue: BidsQueueStatus;
        readonly runs: readonly RunStatusRow[];
        readonly generation: { generation: number; changedAt: Date } | null;
        readonly esi: EsiStatusRow | null;
      }
    | null;
  readonly databaseError: string | null;
}

export interface StatusDeps {
  /** A connection request work cannot exhaust (the probe pool), with a short statement timeout. */
  readonly db: Database;
  readonly repo: Pick<SyncStatusRepository, 'regions' | 'recentRuns' | 'generation' | 'esiStatus'>;
  readonly items: Pick<ItemsRepository, 'queueStatus'>;
  readonly bids: Pick<BidsRepository, 'queueStatus'>;
  readonly readModelStatus: () => ReadModelStatus | null;
  readonly now: () => Date;
  readonly config: { readonly role: string; readonly aggregationIntervalSeconds: number };
  /** The configured regions as resolved (src/sync/region-set.ts), never by calling ESI. */
  readonly configuredRegionIds: () => Promise<readonly number[]>;
}

const RECENT_RUNS = 10;

/** The operator's view of the sync and the read path (GET /status), read in one snapshot. */
export function createStatusService(deps: StatusDeps) {
  return {
    async snapshot(): Promise<StatusSnapshot> {
      const generatedAt = deps.now();
      const base = {
        generatedAt,
        role: deps.config.role,
        configuredRegionIds: await deps.configuredRegionIds(),
        intervalSeconds: deps.config.aggregationIntervalSeconds,
        readModel: deps.readModelStatus(),
      };
      try {
        const database = await deps.db.transaction(
          async (tx) => ({
            regions: await deps.repo.regions(tx),
            itemsQueue: await deps.items.queueStatus(tx, generatedAt),
            bidsQueue: await deps.bids.queueStatus(tx, generatedAt),
            runs: await deps.repo.recentRuns(tx, RECENT_RUNS),
            generation: await deps.repo.generation(tx),
            esi: await deps.repo.esiStatus(tx),
          }),
          { isolationLevel: 'repeatable read', accessMode: 'read only' },
        );
        return { ...base, database, databaseError: null };
      } catch (error) {
        const { message } = loggableError(error) as { message?: string };
        return { ...base, database: null, databaseError: message ?? 'database unavailable' };
      }
    },
  };
}

export type StatusService = ReturnType<typeof createStatusService>;
