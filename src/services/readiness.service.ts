import { formatTimestamp } from '../domain/contract-wire.js';
import type { ReadModelStatus } from '../read-model/read-model.js';
import type { BidsQueueStatus } from '../repositories/bids.repository.js';
import type { IngestFreshness } from '../repositories/sync-status.repository.js';

export interface ReadinessDeps {
  readonly pingDatabase: () => Promise<void>;
  /** Undefined when no Redis is configured: the in-process cache is always "ok". */
  readonly pingCache?: () => Promise<void>;
  readonly readFreshness: () => Promise<IngestFreshness>;
  /** The auction bids backlog (docs/extensions.md §2.2), reported, never a reason to fail readiness. */
  readonly readBidsBacklog: () => Promise<BidsQueueStatus>;
  /** Null when the process has no read model (READ_MODEL=off, ROLE=worker). */
  readonly readModelStatus: () => ReadModelStatus | null;
  readonly now: () => Date;
  readonly intervalSeconds: number;
  readonly gitCommit: string;
}

const PROBE_TIMEOUT_MS = 2000;
const OFF: ReadModelStatus = { state: 'off', generation: null, open_contracts: 0, stored_contracts: 0, load_seconds: null, held_details: 0, details_to_read: 0 };

/** `work`, rejected once the probe budget is spent: a silent dependency must not hold /ready. */
async function withinBudget<T>(work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('probe timed out')), PROBE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function withinTimeout(probe: () => Promise<void>): Promise<'ok' | 'error'> {
  try {
    await withinBudget(probe);
    return 'ok';
  } catch {
    return 'error';
  }
}

/** GET /ready (docs/api.md §11.3): 503 only when the database is down; cache and staleness are reported. */
export function createReadinessService(deps: ReadinessDeps) {
  return {
    async check() {
      const [db, cache, freshness, bids] = await Promise.all([
        withinTimeout(deps.pingDatabase),
        deps.pingCache ? withinTimeout(deps.pingCache) : Promise.resolve('ok' as const),
        withinBudget(deps.readFreshness).catch((): IngestFreshness => ({ lastSuccessFinishedAt: null, lastOutcome: null })),
        withinBudget(deps.readBidsBacklog).catch(() => null),
      ]);
      const successAt = freshness.lastSuccessFinishedAt ? Date.parse(formatTimestamp(freshness.lastSuccessFinishedAt)) : null;
      const age = successAt === null ? null : Math.max(0, (deps.now().getTime() - successAt) / 1000);
      const body = {
        commit: deps.gitCommit,
        db,
        cache,
        last_ingest_age_seconds: age,
        last_ingest_outcome: freshness.lastOutcome as 'success' | 'partial' | 'failure' | null,
        data_stale: age === null || age > 2 * deps.intervalSeconds,
        // Added after docs/api.md's six keys: a loading or lagging model never fails readiness (the SQL path answers).
        read_model: deps.readModelStatus() ?? OFF,
        bids_backlog: bids === null
          ? null
          : {
              due: bids.due,
              backing_off: bids.waiting,
              oldest_due_seconds: bids.oldestDueSince === null ? null : Math.max(0, (deps.now().getTime() - bids.oldestDueSince.getTime()) / 1000),
            },
      };
      return { statusCode: db === 'error' ? (503 as const) : (200 as const), body };
    },
  };
}

export type ReadinessService = ReturnType<typeof createReadinessService>;
