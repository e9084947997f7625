import { sql } from 'drizzle-orm';
import { bulkWrite } from '../db/bulk.js';
import type { Database, Executor } from '../db/client.js';
import { createPriceObservationsRepository } from '../repositories/price-observations.repository.js';
import { bigintArray } from '../repositories/sql-arrays.js';
import { CONTRACT_COLUMNS, generateCorpus, ITEM_COLUMNS, referenceRows, type CorpusBatch, type SeedReferenceData } from './corpus.js';

export interface SeedOptions {
  readonly contracts: number;
  readonly seed: number;
  readonly sde: SeedReferenceData;
  /** The corpus's present; default the wall clock. */
  readonly now?: Date;
  readonly batchSize?: number;
  /** Batches written side by side, each in its own transaction (needs as many connections); default 2. */
  readonly concurrency?: number;
  /** Called after each committed batch with the number of contracts processed so far (stored or skipped). */
  readonly onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_SEED_CONCURRENCY = 2;

export interface SeedResult {
  /** Rows inserted: ids already present (a second run) are skipped, not counted. */
  readonly contracts: number;
  readonly items: number;
  /** Price observations of the closed single-type offers among them. */
  readonly observations: number;
  readonly seconds: number;
}

/**
 * Writes the reference caches and a synthetic corpus (src/seed/corpus.ts) through the bulk write
 * helper, one transaction per batch. Stored contracts and reference rows are left alone (with their
 * items), so running it twice is harmless.
 * The last transaction bumps the data generation so the API's ETags and caches move on.
 */
export async function seedDatabase(db: Pick<Database, 'transaction'>, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const total = options.contracts;
  const tables = referenceRows(options.sde, { seed: options.seed, now });
  const batches = generateCorpus({ contracts: total, seed: options.seed, now, sde: options.sde, batchSize: options.batchSize })[
    Symbol.iterator
  ]();
  const concurrency = options.concurrency ?? DEFAULT_SEED_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  let contracts = 0;
  let items = 0;
  let observations = 0;
  let done = 0;
  const prices = createPriceObservationsRepository();

  const writeBatch = async (batch: CorpusBatch, last: boolean) => {
    const written = await db.transaction(async (tx) => {
      const fresh = await withoutStoredContracts(tx, batch);
      const contractRows = await bulkWrite(tx, fresh.contracts, {
        table: 'contracts',
        columns: CONTRACT_COLUMNS,
        conflictTarget: ['contract_id'],
      });
      const itemRows = await bulkWrite(tx, fresh.items, {
        table: 'contract_items',
        columns: ITEM_COLUMNS,
        conflictTarget: ['contract_id', 'record_id'],
      });
      // Closed single-type offers leave a price history, as the sync's closure would have written it.
      const observations = await prices.observeClosed(tx, fresh.contracts.filter((row) => row.closed_at !== null).map((row) => row.contract_id as number));
      if (last) await bumpGeneration(tx);
      return { contractRows, itemRows, observations };
    });
    contracts += written.contractRows;
    items += written.itemRows;
    observations += written.observations;
    done += batch.contracts.length;
    options.onProgress?.(done, total);
  };

  let next = batches.next();
  await db.transaction(async (tx) => {
    for (const table of tables) {
      await bulkWrite(tx, table.rows, { table: table.table, columns: table.columns, conflictTarget: table.primaryKey });
    }
    if (next.done === true) await bumpGeneration(tx);
  });
  // Batches hold disjoint contract ids, so several can commit side by side; the generation moves
  // in the last one, written once all others have committed.
  const inFlight = new Set<Promise<void>>();
  const failures: unknown[] = [];
  while (next.done !== true && failures.length === 0) {
    const batch: CorpusBatch = next.value;
    next = batches.next();
    if (next.done === true) {
      await Promise.all(inFlight);
      if (failures.length === 0) await writeBatch(batch, true);
      break;
    }
    const write: Promise<void> = writeBatch(batch, false)
      .catch((error: unknown) => void failures.push(error))
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failures.length > 0) throw failures[0];
  // A freshly filled table is planned as empty until autovacuum analyzes it.
  await db.transaction((tx) => tx.execute(sql`ANALYZE contracts, contract_items`));
  return { contracts, items, observations, seconds: (performance.now() - started) / 1000 };
}

/**
 * Drops contracts already stored (an earlier seed, or real synced data) together with their items:
 * items keyed only by (contract_id, record_id) would otherwise be added to someone else's contract.
 */
async function withoutStoredContracts(executor: Executor, batch: CorpusBatch): Promise<CorpusBatch> {
  if (batch.contracts.length === 0) return batch;
  const ids = batch.contracts.map((row) => row.contract_id as number);
  const stored = await executor.execute<{ contract_id: string }>(
    sql`SELECT contract_id FROM contracts WHERE contract_id = ANY(${bigintArray(ids)})`,
  );
  if (stored.length === 0) return batch;
  const skip = new Set(stored.map((row) => Number(row.contract_id)));
  return {
    contracts: batch.contracts.filter((row) => !skip.has(row.contract_id as number)),
    items: batch.items.filter((row) => !skip.has(row.contract_id as number)),
  };
}

async function bumpGeneration(executor: Executor): Promise<void> {
  await executor.execute(sql`UPDATE sync_state SET generation = generation + 1, generation_changed_at = now() WHERE id = 1`);
}
