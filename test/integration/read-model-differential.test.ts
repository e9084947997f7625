/**
 * The read model and the SQL path give byte-identical answers (docs/read-path.md §2): random valid list
 * queries (every parameter, sort, direction, page and size, at several liveness instants) over a
 * seeded corpus, compared body for body, through several generations of churn that the model
 * follows by deltas only (closures, reopenings, deletions, new contracts, changed prices, items,
 * ship flags, types, systems, titles, expiries, sightings and taxonomy). The taxonomy answer is
 * compared at every generation too.
 *
 * `npm test` runs DIFFERENTIAL_QUERIES (default 1,500) queries; `npm run test:differential` runs
 * 12,000.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSde } from '../fixtures/sde/index.js';
import { SORT_FIELDS, type ContractListParams } from '../../src/domain/contract-query.js';
import { ByteWriter } from '../../src/domain/byte-writer.js';
import { toContractDetail } from '../../src/domain/contract-wire.js';
import { coverageAsOf, listRowJson, renderedRows, renderListBody } from '../../src/domain/list-body.js';
import { renderTaxonomy } from '../../src/domain/taxonomy.js';
import { ContractStore } from '../../src/read-model/contract-store.js';
import { ListQueries } from '../../src/read-model/list-query.js';
import { createSnapshotLoader } from '../../src/read-model/snapshot-loader.js';
import { taxonomyFacts } from '../../src/read-model/taxonomy-summary.js';
import { createContractReadRepository } from '../../src/repositories/contract-read.repository.js';
import { createReadModelRepository } from '../../src/repositories/read-model.repository.js';
import { seedDatabase } from '../../src/seed/seed.service.js';
import { createSqlReads } from '../../src/services/sql-reads.js';
import { parseContractListQuery, type RawQuery } from '../../src/services/contract-query.params.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const QUERIES = Number(process.env.DIFFERENTIAL_QUERIES ?? 1500);
const GENERATIONS = 6;
const CONTRACTS = 2500;
const DETAILS_PER_GENERATION = 400;
const NOW = new Date('2026-12-01T12:00:30Z');

let db: TestDatabase;
let store: ContractStore;
let queries: ListQueries;
let snapshot: string;
let modelGeneration: number;
const loader = () => createSnapshotLoader(db.db, createReadModelRepository(), createContractReadRepository().details);
const sqlReads = () => createSqlReads(db.db, createContractReadRepository());

interface CorpusFacts {
  regions: number[];
  systems: number[];
  stations: number[];
  types: number[];
  groups: number[];
  categories: number[];
  words: string[];
  prices: number[];
  collaterals: number[];
  expiries: number[];
  rewardsPerJump: number[];
}

async function corpusFacts(): Promise<CorpusFacts> {
  const ids = async (query: ReturnType<typeof sql>) => (await db.db.execute<{ v: string }>(query)).map((row) => Number(row.v));
  const texts = await db.db.execute<{ t: string }>(sql`SELECT search_text AS t FROM contracts WHERE search_text <> '' ORDER BY random() LIMIT 200`);
  const words = new Set<string>();
  for (const { t } of texts) {
    for (const part of t.split('\u001f')) {
      if (part.length < 3) continue;
      const start = Math.floor(Math.random() * Math.max(1, part.length - 3));
      const word = part.slice(start, start + 3 + Math.floor(Math.random() * 6));
      if ([...word.trim()].length >= 3) words.add(word);
    }
  }
  return {
    regions: await ids(sql`SELECT DISTINCT region_id AS v FROM contracts`),
    systems: await ids(sql`SELECT DISTINCT start_location_system_id AS v FROM contracts WHERE start_location_system_id IS NOT NULL LIMIT 60`),
    stations: await ids(sql`SELECT DISTINCT start_location_id AS v FROM contracts WHERE start_location_id IS NOT NULL LIMIT 60`),
    types: await ids(sql`SELECT DISTINCT type_id AS v FROM contract_items LIMIT 200`),
    groups: await ids(sql`SELECT DISTINCT group_id AS v FROM contract_items WHERE group_id IS NOT NULL`),
    categories: await ids(sql`SELECT DISTINCT category_id AS v FROM contract_items WHERE category_id IS NOT NULL`),
    words: [...words],
    prices: (await db.db.execute<{ v: number }>(sql`SELECT price AS v FROM contracts WHERE price IS NOT NULL ORDER BY random() LIMIT 40`)).map((r) => r.v),
    collaterals: (await db.db.execute<{ v: number }>(sql`SELECT collateral AS v FROM contracts ORDER BY random() LIMIT 20`)).map((r) => r.v),
    expiries: (await db.db.execute<{ v: string }>(sql`SELECT extract(epoch FROM date_expired)::bigint AS v FROM contracts ORDER BY random() LIMIT 20`)).map((r) =>
      Number(r.v),
    ),
    rewardsPerJump: (
      await db.db.execute<{ v: number }>(sql`SELECT reward_per_jump AS v FROM contracts WHERE reward_per_jump IS NOT NULL ORDER BY random() LIMIT 20`)
    ).map((r) => r.v),
  };
}

/** A raw query string map drawn from what the corpus holds, plus values that match nothing. */
function rawQueryArbitrary(facts: CorpusFacts): fc.Arbitrary<RawQuery> {
  const idFrom = (values: number[]) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...(values.length > 0 ? values : [1])).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('0', '-5', '9007199254740993', '9223372036854775807') },
    );
  const list = (values: number[]) => fc.array(idFrom(values), { minLength: 1, maxLength: 3 });
  const money = (values: number[]) =>
    fc.oneof(fc.constantFrom(...(values.length > 0 ? values : [0])).map(String), fc.constantFrom('0', '1e3', '1000000', '5e8', '0.5'));
  const search = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...facts.words) },
    { weight: 1, arbitrary: fc.constantFrom('RIFTER', '  ship ', '100%', 'a_b', 'x\\y', 'bp\u0007c', 'Ωmega', '🚀 rocket') },
  );
  const small = (min: number, max: number) => fc.integer({ min, max }).map(String);
  /** Present once in `1 + absentWeight` queries, so that a query combines a few filters, not all. */
  const optional = <T>(arbitrary: fc.Arbitrary<T>, absentWeight = 5) =>
    fc.oneof({ weight: absentWeight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
  return fc
    .record({
      search: optional(search, 6),
      min_price: optional(money(facts.prices), 8),
      max_price: optional(money(facts.prices), 8),
      min_collateral: optional(money(facts.collaterals), 12),
      max_collateral: optional(money(facts.collaterals), 12),
      min_runs: optional(small(-1, 60), 10),
      max_runs: optional(small(-1, 300), 10),
      min_me: optional(small(0, 10), 12),
      max_me: optional(small(0, 10), 12),
      min_te: optional(small(0, 20), 12),
      max_te: optional(small(0, 20), 12),
      region_ids: optional(list(facts.regions), 6),
      system_ids: optional(list(facts.systems), 10),
      station_ids: optional(list(facts.stations), 12),
      type_ids: optional(list(facts.types), 10),
      contract_type: optional(fc.array(fc.constantFrom('item_exchange', 'auction', 'courier', 'loan', 'unknown'), { minLength: 1, maxLength: 3 }), 4),
      category_id: optional(list(facts.categories), 6),
      group_id: optional(list(facts.groups), 8),
      is_bpc: optional(fc.constantFrom('true', 'false', '1', 'no'), 6),
      is_ship_contract: optional(fc.constantFrom('true', 'false'), 4),
      page: optional(fc.oneof(small(1, 6), fc.constantFrom('40', '9223372036854775807')), 2),
      size: optional(fc.constantFrom('1', '7', '20', '50', '100'), 2),
      sort_by: optional(fc.constantFrom(...SORT_FIELDS), 1),
      sort_direction: optional(fc.constantFrom('asc', 'desc'), 1),
      max_jumps: optional(small(-1, 30), 8),
      highsec_route: optional(fc.constantFrom('true', 'false'), 8),
      min_reward_per_jump: optional(money(facts.rewardsPerJump), 8),
      // Systems of the corpus are on the map; an unknown one is a 422 (tested by the route tests).
      near_system_id: optional(fc.constantFrom(...facts.systems).map(String), 8),
      max_jumps_from: optional(small(0, 12), 3),
    })
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null)) as RawQuery);
}

async function sqlBody(params: ContractListParams, liveAt: Date): Promise<{ generation: number; body: string }> {
  const { generation, value } = await sqlReads().list(params, liveAt);
  return {
    generation,
    body: renderListBody({
      counts: value.counts,
      rows: renderedRows(value.rows.map(listRowJson)),
      page: params.page,
      size: params.size,
      coverage: { ingestedRegionIds: value.coverage.ingestedRegionIds, asOf: coverageAsOf(value.coverage.asOf) },
    }).toString('utf8'),
  };
}

function modelBody(params: ContractListParams, liveAt: Date): string {
  const evaluation = queries.evaluate(params, liveAt.getTime() * 1000);
  return renderListBody({
    counts: evaluation.counts,
    rows: { length: evaluation.slots.length, writeAll: (writer) => store.writeRows(evaluation.slots, writer) },
    page: params.page,
    size: params.size,
    coverage: store.coverage(),
  }).toString('utf8');
}

/** Instants around the corpus's expiries (whole minutes, as L always is), and the present. */
function liveInstants(facts: CorpusFacts): Date[] {
  const minute = (seconds: number) => new Date(Math.floor(seconds / 60) * 60_000);
  return [minute(NOW.getTime() / 1000), ...facts.expiries.slice(0, 4).flatMap((s) => [minute(s - 60), minute(s)])];
}

/** One generation's worth of changes, as sync runs, retention and enrichment would make them. */
async function churn(round: number): Promise<void> {
  await db.db.transaction(async (tx) => {
    const sample = (share: number, where = sql`true`) =>
      sql`(SELECT contract_id FROM contracts WHERE ${where} AND (hashtext(contract_id::text || ${String(round)}) & 1023) < ${Math.round(share * 1024)})`;
    await tx.execute(sql`UPDATE contracts SET closed_at = ${NOW.toISOString()}::timestamptz WHERE contract_id IN ${sample(0.04, sql`closed_at IS NULL`)}`);
    await tx.execute(sql`UPDATE contracts SET closed_at = NULL WHERE contract_id IN ${sample(0.3, sql`closed_at IS NOT NULL`)}`);
    await tx.execute(sql`DELETE FROM contracts WHERE contract_id IN ${sample(0.3, sql`closed_at IS NOT NULL`)}`);
    await tx.execute(sql`UPDATE contracts SET price = CASE WHEN price IS NULL THEN 1234567 WHEN price > 1e8 THEN NULL ELSE price * 1.5 END WHERE contract_id IN ${sample(0.05)}`);
    await tx.execute(sql`UPDATE contracts SET is_ship_contract = NOT is_ship_contract WHERE contract_id IN ${sample(0.03)}`);
    await tx.execute(sql`UPDATE contracts SET type = (ARRAY['courier','loan','barter_v2','auction','item_exchange'])[1 + (contract_id % 5)] WHERE contract_id IN ${sample(0.03)}`);
    await tx.execute(sql`UPDATE contracts SET start_location_system_id = CASE WHEN start_location_system_id IS NULL THEN 30000142 ELSE NULL END WHERE contract_id IN ${sample(0.03)}`);
    await tx.execute(sql`UPDATE contracts SET title = 'Round ' || ${String(round)} || ' Special', search_text = 'round ' || ${String(round)} || ' special' || chr(31) || search_text WHERE contract_id IN ${sample(0.04)}`);
    await tx.execute(sql`UPDATE contracts SET date_expired = date_expired + interval '3 hours', primary_label_sort = 'zz ' || primary_label_sort WHERE contract_id IN ${sample(0.04)}`);
    await tx.execute(sql`UPDATE contracts SET last_seen_at = ${new Date(NOW.getTime() + round * 60_000).toISOString()}::timestamptz WHERE contract_id IN ${sample(0.02)}`);
    await tx.execute(sql`UPDATE contracts SET current_bid = CASE WHEN current_bid IS NULL THEN coalesce(price, 1e6) * 1.1 ELSE NULL END, bid_count = 1 WHERE type = 'auction' AND contract_id IN ${sample(0.3)}`);
    await tx.execute(sql`UPDATE contracts SET route_jumps = CASE WHEN route_jumps IS NULL THEN 7 ELSE NULL END, route_jumps_highsec = NULL WHERE contract_id IN ${sample(0.03)}`);
    await tx.execute(sql`UPDATE contracts SET volume = NULL, collateral = collateral + 1e6, buyout = 77e6, days_to_complete = 3 WHERE contract_id IN ${sample(0.03)}`);
    await tx.execute(sql`UPDATE contracts SET is_blueprint_copy_contract = NOT is_blueprint_copy_contract, items_status = 'unavailable' WHERE contract_id IN ${sample(0.02)}`);
    await tx.execute(sql`DELETE FROM contract_items WHERE contract_id IN ${sample(0.03)}`);
    await tx.execute(sql`UPDATE contract_items SET runs = coalesce(runs, 0) + 5, category_id = 6, group_id = 25 WHERE contract_id IN ${sample(0.03)}`);
    // New contracts: copies of existing ones under new ids, with their items.
    const offset = 1_000_000_000 * round;
    await tx.execute(sql`
      INSERT INTO contracts (contract_id, type, title, for_corporation, issuer_id, issuer_corporation_id, start_location_id, end_location_id,
        date_issued, date_expired, price, collateral, reward, volume, buyout, days_to_complete, region_id, first_seen_at, last_seen_at,
        start_location_system_id, issuer_name, issuer_corporation_name, start_location_name, end_location_name, items_status,
        enrichment_status, enrichment_version, is_ship_contract, is_blueprint_copy_contract, primary_label, primary_label_sort,
        composition, blueprint_summary, search_text)
      SELECT contract_id + ${offset}, type, title, for_corporation, issuer_id, issuer_corporation_id, start_location_id, end_location_id,
        date_issued + interval '1 minute', date_expired, price, collateral, reward, volume, buyout, days_to_complete,
        CASE WHEN contract_id % 7 = 0 THEN 10000043 ELSE region_id END, first_seen_at, last_seen_at,
        start_location_system_id, issuer_name, issuer_corporation_name, start_location_name, end_location_name, items_status,
        enrichment_status, enrichment_version, is_ship_contract, is_blueprint_copy_contract, primary_label, primary_label_sort,
        composition, blueprint_summary, search_text
      FROM contracts WHERE contract_id < 1000000000 AND contract_id IN ${sample(0.03, sql`closed_at IS NULL`)}`);
    await tx.execute(sql`
      INSERT INTO contract_items (contract_id, record_id, type_id, quantity, is_included, is_blueprint_copy, runs, material_efficiency,
        time_efficiency, type_name, group_id, category_id, market_group_id, category)
      SELECT i.contract_id + ${offset}, i.record_id, i.type_id, i.quantity, i.is_included, i.is_blueprint_copy, i.runs, i.material_efficiency,
        i.time_efficiency, i.type_name, i.group_id, i.category_id, i.market_group_id, i.category
      FROM contract_items i JOIN contracts c ON c.contract_id = i.contract_id + ${offset}`);
    await tx.execute(sql`UPDATE esi_groups SET name = name || ' II', category_id = CASE WHEN category_id = 7 THEN 6 ELSE category_id END WHERE group_id IN (SELECT group_id FROM esi_groups ORDER BY group_id OFFSET ${round} LIMIT 2)`);
    await tx.execute(sql`UPDATE esi_categories SET name = CASE WHEN name IS NULL THEN 'Restored' ELSE NULL END WHERE category_id = (SELECT category_id FROM esi_categories ORDER BY category_id OFFSET ${round} LIMIT 1)`);
    await tx.execute(sql`UPDATE sync_state SET generation = generation + 1 WHERE id = 1`);
  });
}

function summary(body: string) {
  const parsed = JSON.parse(body) as { total: number; segment_counts: unknown; unknown_system_excluded: unknown; items: { contract_id: number }[] };
  return {
    total: parsed.total,
    segments: parsed.segment_counts,
    unknownSystem: parsed.unknown_system_excluded,
    ids: parsed.items.map((item) => item.contract_id),
  };
}

/** What the model does between advances: reads and holds the details it does not render. */
async function fillHeldDetails(): Promise<void> {
  for (;;) {
    const ids = store.held.nextPending(500);
    if (ids.length === 0) return;
    const read = await loader().details(ids);
    expect(read.generation).toBe(modelGeneration);
    expect(read.bodies.map(([id]) => id).sort()).toEqual([...ids].sort());
    for (const [id, body] of read.bodies) store.held.hold(id, body);
  }
}

/**
 * Details of a sample of stored contracts (open and closed) and of absent ids: the model's bytes are
 * SQL's, rendered for open contracts, held (and dropped when they changed) for closed ones and auctions.
 */
async function compareDetails(round: number): Promise<{ rendered: number; held: number; absent: number }> {
  const sampled = await db.db.execute<{ contract_id: string; closed: boolean }>(sql`
    SELECT contract_id, closed_at IS NOT NULL OR type = 'auction' AS closed FROM contracts
    ORDER BY hashtext(contract_id::text || ${`detail ${round}`}) LIMIT ${DETAILS_PER_GENERATION}`);
  const ids = [...sampled.map((row) => Number(row.contract_id)), 1, 999_999_999_999];
  const counts = { rendered: 0, held: 0, absent: 0 };
  for (const id of ids) {
    const { generation, row, items, bids } = await sqlReads().detail(BigInt(id));
    expect(generation).toBe(modelGeneration);
    const writer = new ByteWriter(4096);
    const rendered = store.writeDetail(id, writer);
    const closed = sampled.find((sample) => Number(sample.contract_id) === id)?.closed ?? true;
    // Auctions' details (their bids) are held, not rendered.
    expect(rendered, `contract ${id} is rendered from memory exactly when it is open and no auction`).toBe(row !== null && !closed);
    const held = store.held.body(id);
    if (row === null) {
      expect(held, `absent contract ${id} holds nothing`).toBeUndefined();
      counts.absent += 1;
      continue;
    }
    const expected = JSON.stringify(toContractDetail(row, items, bids));
    if (rendered) {
      counts.rendered += 1;
      expect(writer.done().toString('utf8'), `detail of ${id}`).toBe(expected);
    } else {
      counts.held += 1;
      expect(held?.toString('utf8'), `held detail of ${id}`).toBe(expected);
    }
  }
  return counts;
}

async function advanceModel(): Promise<void> {
  const delta = await loader().delta(snapshot);
  expect(delta, 'the change log bridges the previous snapshot').not.toBeNull();
  store.apply(delta!.changes);
  snapshot = delta!.snapshot;
  modelGeneration = delta!.generation;
  await fillHeldDetails();
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDatabase(db.db, { contracts: CONTRACTS, seed: 11, sde: loadSde(), now: NOW });
  store = new ContractStore();
  const mark = await loader().full({
    reserve: (open) => store.reserve(open),
    apply: (changes) => store.apply(changes, { deferOrdering: true }),
  });
  store.flushOrdering();
  queries = new ListQueries(store);
  snapshot = mark.snapshot;
  modelGeneration = mark.generation;
  await fillHeldDetails();
});

afterAll(async () => {
  await db?.drop();
});

describe('read model ≡ SQL path', () => {
  it(`${QUERIES} random list queries and ${DETAILS_PER_GENERATION} details a generation over ${GENERATIONS} generations of churn: byte-identical bodies; taxonomy identical`, async () => {
    const perGeneration = Math.ceil(QUERIES / GENERATIONS);
    let compared = 0;
    let nonEmpty = 0;
    const details = { rendered: 0, held: 0, absent: 0 };
    for (let round = 1; round <= GENERATIONS; round++) {
      const facts = await corpusFacts();
      const instants = liveInstants(facts);
      for (const liveAt of instants.slice(0, 3)) {
        const { generation, value } = await sqlReads().taxonomy(liveAt);
        expect(generation).toBe(modelGeneration);
        expect(renderTaxonomy(taxonomyFacts(store, queries.liveBits(liveAt.getTime() * 1000))), `taxonomy at ${liveAt.toISOString()}`).toBe(
          renderTaxonomy(value),
        );
      }
      await fc.assert(
        fc.asyncProperty(rawQueryArbitrary(facts), fc.constantFrom(...instants), async (raw, liveAt) => {
          const params = parseContractListQuery(raw);
          const expected = await sqlBody(params, liveAt);
          expect(expected.generation).toBe(modelGeneration);
          const actual = modelBody(params, liveAt);
          compared += 1;
          if (!actual.includes('"items":[]')) nonEmpty += 1;
          const label = `${new URLSearchParams(raw as Record<string, string>).toString()} at ${liveAt.toISOString()}`;
          // The compact view first, so a failure names the difference; then every byte.
          expect(summary(actual), label).toEqual(summary(expected.body));
          expect(actual, label).toBe(expected.body);
        }),
        { numRuns: perGeneration, seed: 20261206 + round, endOnFailure: true },
      );
      const compare = await compareDetails(round);
      details.rendered += compare.rendered;
      details.held += compare.held;
      details.absent += compare.absent;
      await churn(round);
      await advanceModel();
    }
    process.stdout.write(
      `read model ≡ SQL: ${compared} list queries (${nonEmpty} with rows) and ${details.rendered + details.held} details (${details.rendered} rendered, ${details.held} held closed or auction, ${details.absent} absent) over ${GENERATIONS} generations, ${store.openCount} open contracts at the end\n`,
    );
    expect(details.rendered).toBeGreaterThan(GENERATIONS * DETAILS_PER_GENERATION * 0.5);
    expect(details.held).toBeGreaterThan(GENERATIONS * 10);
    expect(compared).toBeGreaterThanOrEqual(QUERIES);
    // Guards against passing on nothing: most random queries must return rows.
    expect(nonEmpty).toBeGreaterThan(compared / 4);
  });
});
