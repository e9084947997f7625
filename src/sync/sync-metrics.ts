import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Executor } from '../db/client.js';
import { createBidsRepository } from '../repositories/bids.repository.js';
import { createItemsRepository } from '../repositories/items.repository.js';
import type { BidsPollOutcome } from './bids.js';

type RegionGaugeRow = {
  region_id: string;
  last_snapshot_at: string | null;
  open_count: number;
  possibly_truncated: boolean;
  held: boolean;
};

/**
 * Sync metrics of docs/sync.md §5.6. Counters move in the process that runs the sync; the gauges backed
 * by Postgres (regions, items queue) are read at scrape time so every replica reports them.
 */
export function createSyncMetrics(registry: Registry, db: Executor) {
  const runs = new Counter({ name: 'hangar_bay_sync_runs_total', help: 'Finished sync runs by outcome.', labelNames: ['outcome'] as const, registers: [registry] });
  const runDuration = new Histogram({
    name: 'hangar_bay_sync_run_duration_seconds',
    help: 'Wall time of sync runs.',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  const unavailable = new Counter({
    name: 'hangar_bay_items_unavailable_total',
    help: 'Contracts whose items ESI will not serve, by status.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const contracts = new Counter({
    name: 'hangar_bay_sync_contracts_total',
    help: 'Contracts discovered or closed by the sync.',
    labelNames: ['change'] as const,
    registers: [registry],
  });
  const itemsFetched = new Counter({ name: 'hangar_bay_items_fetched_total', help: 'Item sets fetched and stored.', registers: [registry] });

  let regionRows: Promise<RegionGaugeRow[]> | null = null;
  const readRegions = () =>
    (regionRows ??= db
      .execute<RegionGaugeRow>(sql`SELECT region_id, last_snapshot_at, open_count, possibly_truncated, hold_since IS NOT NULL AS held FROM sync_regions`)
      .then((rows) => [...rows])
      .finally(() => setTimeout(() => (regionRows = null), 0)));
  const regionGauge = (name: string, help: string, value: (row: RegionGaugeRow) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['region_id'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await readRegions().catch(() => []);
        for (const row of rows) {
          const v = value(row);
          if (v !== null) this.set({ region_id: row.region_id }, v);
        }
      },
    });
  regionGauge('hangar_bay_sync_region_snapshot_timestamp', 'Snapshot time (Last-Modified) of the newest committed sweep.', (row) =>
    row.last_snapshot_at === null ? null : Date.parse(row.last_snapshot_at.replace(' ', 'T').replace(/\+00$/, 'Z')) / 1000,
  );
  regionGauge('hangar_bay_sync_region_open_contracts', 'Open contracts per listing region.', (row) => row.open_count);
  regionGauge('hangar_bay_sync_region_possibly_truncated', '1 when the last listing page was full.', (row) => (row.possibly_truncated ? 1 : 0));
  regionGauge('hangar_bay_sync_region_held', '1 while closures are held by the mass-drop guard.', (row) => (row.held ? 1 : 0));

  const items = createItemsRepository();
  // Both queue gauges are collected in one scrape: they share one read.
  let queueRead: Promise<{ depth: number; oldest: number | null }> | null = null;
  const readQueue = () =>
    (queueRead ??= (async () => {
      const now = new Date();
      const queue = await items.queueStatus(db, now);
      const oldest = queue.oldestPendingSince === null ? null : (now.getTime() - queue.oldestPendingSince.getTime()) / 1000;
      return { depth: queue.due + queue.waiting, oldest };
    })().finally(() => setTimeout(() => (queueRead = null), 0)));
  new Gauge({
    name: 'hangar_bay_items_queue_depth',
    help: 'Open item-bearing contracts whose items are not fetched yet.',
    registers: [registry],
    async collect() {
      const queue = await readQueue().catch(() => null);
      if (queue) this.set(queue.depth);
    },
  });
  new Gauge({
    name: 'hangar_bay_items_queue_oldest_seconds',
    help: 'Age of the oldest contract waiting for its items.',
    registers: [registry],
    async collect() {
      const queue = await readQueue().catch(() => null);
      this.set(queue?.oldest ?? 0);
    },
  });

  const bidsPolls = new Counter({
    name: 'hangar_bay_bids_polls_total',
    help: 'Auction bid polls by outcome (fetched, not_modified, terminal, failure) and final HTTP status (0: no answer).',
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  });
  const bids = createBidsRepository();
  let bidsRead: Promise<{ depth: number; oldest: number | null }> | null = null;
  const readBids = () =>
    (bidsRead ??= (async () => {
      const now = new Date();
      const queue = await bids.queueStatus(db, now);
      const oldest = queue.oldestDueSince === null ? null : Math.max(0, (now.getTime() - queue.oldestDueSince.getTime()) / 1000);
      return { depth: queue.due + queue.waiting, oldest };
    })().finally(() => setTimeout(() => (bidsRead = null), 0)));
  new Gauge({
    name: 'hangar_bay_bids_queue_depth',
    help: 'Live auctions whose bids are due now or backing off after a failed poll.',
    registers: [registry],
    async collect() {
      const queue = await readBids().catch(() => null);
      if (queue) this.set(queue.depth);
    },
  });
  new Gauge({
    name: 'hangar_bay_bids_queue_oldest_seconds',
    help: 'How long the longest-waiting due auction has been due for a bids poll.',
    registers: [registry],
    async collect() {
      const queue = await readBids().catch(() => null);
      this.set(queue?.oldest ?? 0);
    },
  });

  return {
    recordBidsPoll(outcome: BidsPollOutcome, status: number) {
      bidsPolls.inc({ outcome, status: String(status) });
    },
    recordRun(outcome: string, seconds: number) {
      runs.inc({ outcome });
      runDuration.observe(seconds);
    },
    recordContracts(created: number, closed: number) {
      if (created > 0) contracts.inc({ change: 'new' }, created);
      if (closed > 0) contracts.inc({ change: 'closed' }, closed);
    },
    recordItemsFetched(count: number) {
      if (count > 0) itemsFetched.inc(count);
    },
    recordUnavailable(status: number) {
      unavailable.inc({ status: String(status) });
    },
  };
}

export type SyncMetrics = ReturnType<typeof createSyncMetrics>;
