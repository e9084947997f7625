/**
 * The data floor: the SQL an uncached request makes the service issue, replayed directly. It runs
 * the service's own repository (src/repositories/contract-read.repository.ts) in the same
 * read-only REPEATABLE READ snapshot that src/services/contract-read.service.ts opens, with the
 * same statements in the same order (generation, counts, page, coverage — or contract + items, or
 * the taxonomy reads), on a pool as large as the service's, with no result cache, no HTTP, no
 * serialization. A service that only adds a thin layer over this reaches ≈ 1× of it.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { connectDatabase, type DatabaseHandle, type Executor } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { createContractReadRepository } from '../../src/repositories/contract-read.repository.js';
import { livenessInstant, summarizeCounts } from '../../src/services/contract-read.service.js';
import type { ContractListParams } from '../../src/services/contract-query.params.js';
import { paramsOf, type ReadScenario } from './scenarios.js';

/** The service's request pool (src/container.ts: connectDatabase(url, { max: 10 })). */
export const SERVICE_POOL_SIZE = 10;

const repository = createContractReadRepository();
type Db = DatabaseHandle['db'];

function snapshot<T>(db: Db, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      await repository.readGeneration(tx);
      return work(tx);
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export async function listRequest(db: Db, params: ContractListParams): Promise<number> {
  const liveAt = livenessInstant(new Date());
  return snapshot(db, async (tx) => {
    const buckets = await repository.countBuckets(tx, params, liveAt);
    const counts = summarizeCounts(buckets, {
      types: params.contractTypes,
      isShip: params.isShipContract,
      systemsGiven: params.systemIds !== null,
    });
    const offset = (params.page - 1n) * BigInt(params.size);
    const rows = offset < BigInt(counts.total) ? await repository.page(tx, params, liveAt, Number(offset)) : [];
    await repository.coverage(tx);
    return rows.length;
  });
}

export async function detailRequest(db: Db, contractId: number): Promise<number> {
  return snapshot(db, async (tx) => {
    const row = await repository.contractById(tx, BigInt(contractId));
    if (row === null) return 0;
    return (await repository.itemsOf(tx, BigInt(contractId))).length;
  });
}

export async function taxonomyRequest(db: Db): Promise<number> {
  const liveAt = livenessInstant(new Date());
  return snapshot(db, async (tx) => (await repository.taxonomy(tx, liveAt)).groups.length);
}

/** The floor's unit of work for a scenario; `sequence` selects the request (same order as the HTTP load). */
export function floorWork(db: Db, scenario: ReadScenario): (sequence: number) => Promise<unknown> {
  if (scenario.kind === 'taxonomy') return () => taxonomyRequest(db);
  if (scenario.kind === 'detail') return () => detailRequest(db, scenario.nextId!());
  const params = scenario.paths.map(paramsOf);
  return (sequence) => listRequest(db, params[sequence % params.length]!);
}

export interface FloorPool {
  readonly db: Db;
  close(): Promise<void>;
}

export function openFloorPool(url: string): FloorPool {
  const handle = connectDatabase(url, { max: SERVICE_POOL_SIZE, applicationName: 'hangar-bay-bench-floor' });
  return { db: handle.db, close: () => handle.close() };
}

/**
 * Statements (round trips) one uncached request of the scenario makes, BEGIN and COMMIT included,
 * counted with postgres.js' debug hook on a connection set up like connectDatabase's.
 */
export async function statementsPerRequest(url: string, scenario: ReadScenario): Promise<{ statements: number; text: string[] }> {
  const text: string[] = [];
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'hangar-bay-bench-count', TimeZone: 'UTC' },
    debug: (_connection, query) => text.push(query.replace(/\s+/g, ' ').trim().slice(0, 160)),
  });
  try {
    const db = drizzle(sql, { schema });
    const work = floorWork(db, scenario);
    await work(0);
    text.length = 0;
    await work(1);
    return { statements: text.length, text };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
