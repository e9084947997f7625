/**
 * The data floor: the SQL an uncached request makes the service issue, replayed directly. It runs
 * the service's own SQL path (createSqlReads in src/services/sql-reads.ts
 * over src/repositories/contract-read.repository.ts): the same statements, pipelined the same way
 * in the same read-only REPEATABLE READ snapshot, on a pool as large as the service's, with no
 * result cache, no HTTP, no serialization. A service that only adds a thin layer over this
 * reaches ≈ 1× of it.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { connectDatabase, type DatabaseHandle } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { createContractReadRepository } from '../../src/repositories/contract-read.repository.js';
import { livenessInstant } from '../../src/services/conditional-get.js';
import { createSqlReads } from '../../src/services/sql-reads.js';
import { createPriceObservationsRepository } from '../../src/repositories/price-observations.repository.js';
import { parseContractPricesRequest } from '../../src/services/contract-prices.params.js';
import { readContractPrices } from '../../src/services/contract-prices.service.js';
import { paramsOf, rawQuery, type ReadScenario } from './scenarios.js';

/** The service's request pool (src/container.ts: connectDatabase(url, { max: 10 })). */
export const SERVICE_POOL_SIZE = 10;

type Db = DatabaseHandle['db'];

/** The floor's unit of work for a scenario; `sequence` selects the request (same order as the HTTP load). */
export function floorWork(db: Db, scenario: ReadScenario): (sequence: number) => Promise<unknown> {
  const reads = createSqlReads(db, createContractReadRepository());
  if (scenario.kind === 'taxonomy') return () => reads.taxonomy(livenessInstant(new Date()));
  if (scenario.kind === 'detail') return () => reads.detail(BigInt(scenario.nextId!()));
  if (scenario.kind === 'prices') {
    const [path, query] = scenario.paths[0]!.split('?');
    const params = parseContractPricesRequest(path!.split('/')[2]!, rawQuery(query ?? ''));
    const prices = { db, repository: createPriceObservationsRepository(), readGeneration: createContractReadRepository().readGeneration };
    return () => readContractPrices(prices, params, livenessInstant(new Date()));
  }
  const params = scenario.paths.map(paramsOf);
  return (sequence) => reads.list(params[sequence % params.length]!, livenessInstant(new Date()));
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
