/**
 * The SQL path: answers computed by PostgreSQL, the reference the read model is tested against
 * and the fallback whenever the model does not answer. A list or taxonomy read runs in one
 * read-only REPEATABLE READ snapshot together with the generation it shows; statements that do not
 * depend on each other are issued together, so postgres.js pipelines them on the transaction's
 * connection (BEGIN, SET TRANSACTION, one pipeline of generation + counts + page + coverage,
 * COMMIT). A detail is a single statement, its own snapshot. The benchmark's data floor replays
 * exactly these.
 */
import type { Database, Executor } from '../db/client.js';
import type { ContractListParams } from '../domain/contract-query.js';
import type { RawContractRow } from '../domain/contract-wire.js';
import { summarizeCounts } from '../domain/segment-counts.js';
import type { ContractReadRepository } from '../repositories/contract-read.repository.js';

/** Offsets up to this are read in the same pipeline as the counts (page 200 of size 50). */
const EAGER_PAGE_OFFSET_LIMIT = 10_000n;

export function createSqlReads(db: Pick<Database, 'transaction'> & Executor, repository: ContractReadRepository) {
  function inSnapshot<T>(work: (tx: Executor) => Promise<T>): Promise<{ generation: number; value: T }> {
    return db.transaction(
      async (tx) => {
        const [generation, value] = await Promise.all([repository.readGeneration(tx), work(tx)]);
        return { generation, value };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }

  return {
    list(params: ContractListParams, liveAt: Date) {
      return inSnapshot(async (tx) => {
        const offset = (params.page - 1n) * BigInt(params.size);
        // A near page is read together with the counts (past the end it is merely empty); a far
        // one waits for them, since OFFSET into millions of rows would walk them all, and any
        // int64 page is valid input.
        const eager = offset <= EAGER_PAGE_OFFSET_LIMIT;
        const [buckets, eagerRows, coverage] = await Promise.all([
          repository.countBuckets(tx, params, liveAt),
          eager ? repository.page(tx, params, liveAt, Number(offset)) : null,
          repository.coverage(tx),
        ]);
        const counts = summarizeCounts(buckets, {
          types: params.contractTypes,
          isShip: params.isShipContract,
          systemsGiven: params.systemIds !== null,
        });
        let rows: RawContractRow[] = [];
        if (offset < BigInt(counts.total)) rows = eagerRows ?? (await repository.page(tx, params, liveAt, Number(offset)));
        return { counts, rows, coverage };
      });
    },

    detail(contractId: bigint) {
      return repository.detail(db, contractId);
    },

    taxonomy(liveAt: Date) {
      return inSnapshot((tx) => repository.taxonomy(tx, liveAt));
    },
  };
}

export type SqlReads = ReturnType<typeof createSqlReads>;
