/**
 * The read model holds the details it does not render (closed contracts, auctions) as PostgreSQL
 * gave them, and never serves one for a version of the contract it no longer describes.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, lockContracts, type TestDatabase } from '../support/database.js';
import { bumpGeneration, insertContracts, insertTaxonomy, type ContractSpec } from '../support/fixtures.js';
import { contractDetailJson } from '../../src/domain/contract-wire.js';
import { createContractReadRepository } from '../../src/repositories/contract-read.repository.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);

const FIXTURE: ContractSpec[] = [
  { contractId: 5001, price: 1_000_000, items: [{ typeId: 587 }] },
  { contractId: 5002, price: 2_000_000, items: [{ typeId: 621 }, { typeId: 439 }], closedAt: at(30), closeReason: 'gone_early' },
  { contractId: 5003, price: 3_000_000, items: [{ typeId: 439 }], closedAt: at(60), closeReason: 'expired' },
  {
    contractId: 5004, type: 'auction', price: 500_000, items: [{ typeId: 587 }],
    bids: [{ bidId: 1, amount: 600_000, dateBid: at(20) }],
  },
];

let db: TestDatabase;
let t: TestApp;

async function sqlDetail(contractId: number): Promise<string> {
  const { row, items, bids } = await createContractReadRepository().detail(db.db, BigInt(contractId));
  return contractDetailJson(row!, items, bids);
}

async function readModel(): Promise<{ state: string; held_details: number; details_to_read: number; generation: number }> {
  return (await t.app.inject({ url: '/ready' })).json().read_model;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  await insertContracts(db.db, FIXTURE, NOW);
});

afterEach(async () => {
  await t?.close();
});

afterAll(async () => {
  await db?.drop();
});

describe('details held by the read model', () => {
  it('closed contracts and auctions are read once after the load and answered from memory with the SQL path\'s bytes', async () => {
    t = await buildTestApp({ databaseUrl: db.url, now: () => NOW, env: { API_STATEMENT_TIMEOUT_MS: '300' } });
    await vi.waitFor(async () => expect(await readModel()).toMatchObject({ held_details: 3, details_to_read: 0 }));
    const bodies = new Map<number, string>();
    for (const id of [5001, 5002, 5003, 5004]) bodies.set(id, await sqlDetail(id));
    // Answered without a statement: with contracts locked, one would wait out API_STATEMENT_TIMEOUT_MS and answer 503.
    const lock = await lockContracts(db.url);
    try {
      for (const id of [5001, 5002, 5003, 5004]) {
        const response = await t.app.inject({ url: `/contracts/${id}` });
        expect(response.statusCode, String(id)).toBe(200);
        expect(response.body, String(id)).toBe(bodies.get(id));
      }
      expect((await t.app.inject({ url: '/contracts/5999' })).statusCode, 'an id the model does not hold is database work').toBe(503);
    } finally {
      await lock.release();
    }
  });

  it('a changed contract is never answered from its old body: it is read again at the new generation; a deleted one is forgotten', async () => {
    t = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
    await vi.waitFor(async () => expect(await readModel()).toMatchObject({ held_details: 3, details_to_read: 0 }));
    const before = (await readModel()).generation;

    await db.db.execute(sql`UPDATE contracts SET title = 'Renamed after closing' WHERE contract_id = 5002`);
    await db.db.execute(sql`UPDATE contracts SET current_bid = 700000, bid_count = 2 WHERE contract_id = 5004`);
    await db.db.execute(sql`INSERT INTO contract_bids (contract_id, bid_id, amount, date_bid) VALUES (5004, 2, 700000, ${at(5).toISOString()}::timestamptz)`);
    await db.db.execute(sql`DELETE FROM contracts WHERE contract_id = 5003`);
    const generation = await bumpGeneration(db.db);
    expect(generation).toBeGreaterThan(before);

    await vi.waitFor(async () => expect(await readModel()).toMatchObject({ generation, details_to_read: 0 }));
    expect(await readModel()).toMatchObject({ held_details: 2 });
    const renamed = await t.app.inject({ url: '/contracts/5002' });
    expect(renamed.headers.etag).toMatch(new RegExp(`^W/"${generation}\\.`));
    expect(renamed.json().title).toBe('Renamed after closing');
    expect(renamed.body).toBe(await sqlDetail(5002));
    const auction = await t.app.inject({ url: '/contracts/5004' });
    expect(auction.json()).toMatchObject({ current_bid: 700_000, bid_count: 2, bids: [{ bid_id: 2, amount: 700_000 }, { bid_id: 1 }] });
    expect(auction.body).toBe(await sqlDetail(5004));
    expect((await t.app.inject({ url: '/contracts/5003' })).statusCode).toBe(404);
  });

  it('READ_MODEL_DETAILS_MB=0 holds none: those details are single-statement reads, the same bytes', async () => {
    t = await buildTestApp({ databaseUrl: db.url, now: () => NOW, env: { READ_MODEL_DETAILS_MB: '0' } });
    await vi.waitFor(async () => expect(await readModel()).toMatchObject({ state: 'ready' }));
    for (const id of [5002, 5004]) {
      const response = await t.app.inject({ url: `/contracts/${id}` });
      expect(response.statusCode, String(id)).toBe(200);
      expect(response.body, String(id)).toBe(await sqlDetail(id));
    }
    expect(await readModel()).toMatchObject({ held_details: 0, details_to_read: 0 });
  });
});
