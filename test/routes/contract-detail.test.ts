import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AMARR, JITA, STRUCTURE, days, insertContracts, insertTaxonomy } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

const NOW = new Date('2026-07-21T09:16:30Z');

/** The 28 contract fields of docs/api.md §7, in the table's order. */
const CONTRACT_KEYS = [
  'contract_id', 'issuer_id', 'issuer_corporation_id', 'start_location_id', 'start_location_system_id',
  'end_location_id', 'type', 'title', 'for_corporation', 'date_issued', 'date_expired', 'price', 'collateral',
  'reward', 'volume', 'buyout', 'days_to_complete', 'reward_per_volume', 'start_location_name',
  'end_location_name', 'issuer_name', 'issuer_corporation_name', 'last_seen_at', 'is_ship_contract',
  'is_blueprint_copy_contract', 'primary_label', 'composition', 'blueprint_summary',
  // Extensions (docs/api.md §13–14), after the upstream fields.
  'current_bid', 'bid_count', 'bids_checked_at', 'end_location_system_id', 'route_jumps', 'route_jumps_highsec', 'reward_per_jump',
];
/** The 13 item fields of docs/api.md §9, in the table's order. */
const ITEM_KEYS = [
  'record_id', 'type_id', 'quantity', 'is_included', 'is_blueprint_copy', 'type_name', 'category',
  'market_group_id', 'runs', 'material_efficiency', 'time_efficiency', 'category_id', 'group_id',
];

type Body = Record<string, unknown>;
type Item = Record<string, unknown>;

let db: TestDatabase;
let t: TestApp;

async function getDetail(id: number | string, expectedStatus = 200): Promise<Body & { items: Item[] }> {
  const response = await t.app.inject({ url: `/contracts/${id}` });
  expect(response.statusCode, response.body).toBe(expectedStatus);
  const body = response.json();
  if (expectedStatus === 200) expect(validateAgainst('ContractDetailSchema', body)).toBeNull();
  return body;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  await insertContracts(
    db.db,
    [
      // docs/api.md §8 example 1; the items are given out of record order on purpose.
      {
        contractId: 401,
        volume: 470000.01,
        items: [
          { typeId: 447, recordId: 3, isIncluded: false },
          { typeId: 687, recordId: 2, isBlueprintCopy: true, runs: 7, me: 8, te: 14 },
          { typeId: 24688, recordId: 1 },
        ],
      },
      {
        contractId: 402,
        items: [
          { typeId: 587, recordId: 4_000_000_123, quantity: 3_000_000_000 },
          { typeId: 687, recordId: 4_000_000_124, isBlueprintCopy: true, runs: 3, me: 10, te: 20 },
          { typeId: 687, recordId: 4_000_000_125, isBlueprintCopy: false, me: 10, te: 20 },
          { typeId: 687, recordId: 4_000_000_126, me: 9, te: 18 },
          // A non-market type: the fixture knows no market group for it.
          { typeId: 99_000_001, recordId: 4_000_000_127, typeName: 'Odd Trinket', groupId: 1739, categoryId: 5 },
        ],
      },
      // Courier 105 of the filters fixture, and its variants (case 45).
      {
        contractId: 105,
        type: 'courier',
        title: '',
        price: 0,
        collateral: 500_000_000,
        reward: 80_000_000,
        volume: 1000,
        daysToComplete: 3,
        startLocationId: JITA,
        endLocationId: AMARR,
      },
      { contractId: 451, type: 'courier', title: '', reward: 80_000_000, volume: 1000, endLocationId: STRUCTURE },
      { contractId: 452, type: 'courier', title: '', reward: 80_000_000, volume: 0, endLocationId: AMARR },
      { contractId: 453, type: 'courier', title: '', reward: 80_000_000, volume: null, endLocationId: AMARR },
      { contractId: 454, type: 'courier', title: '', reward: null, volume: 1000, endLocationId: AMARR },
      // Case 49.
      { contractId: 490, title: '  WTS Rifter  ', items: null },
      { contractId: 491, items: [{ typeId: 587 }], dateExpired: new Date(NOW.getTime() - days(2)) },
      { contractId: 492, items: [{ typeId: 621 }], closedAt: new Date(NOW.getTime() - days(1)), closeReason: 'gone_early' },
      { contractId: 501, items: [{ typeId: 587, recordId: 4_000_000_001, quantity: 2 }] },
      { contractId: 502, items: [{ typeId: 34, recordId: 4_000_000_001, quantity: 5000 }] },
    ],
    NOW,
  );
  t = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('GET /contracts/{contract_id} — derived fields (docs/api.md §8)', () => {
  it('contract 401 (example 1) shows exactly the documented label, flags, composition and blueprint summary (case 41)', async () => {
    const body = await getDetail(401);
    expect(body.primary_label).toBe('Rokh');
    expect(body.is_ship_contract).toBe(true);
    expect(body.is_blueprint_copy_contract).toBe(true);
    expect(body.composition).toStrictEqual({
      categories: [
        { category_id: 9, name: 'Blueprint', item_row_count: 1 },
        { category_id: 6, name: 'Ship', item_row_count: 1 },
      ],
      total_item_rows: 2,
      total_volume: 470000.01,
    });
    expect(body.blueprint_summary).toStrictEqual({ runs: 7, material_efficiency: 8, time_efficiency: 14, copy_count: 1 });
    expect(body.volume).toBe(470000.01);
  });

  it('the requested Warp Scrambler I affects nothing (search=scrambler does not find 401) (case 41)', async () => {
    const response = await t.app.inject({ url: '/contracts/?search=scrambler' });
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((row: Body) => row.contract_id)).toStrictEqual([]);
  });

  it('courier 105 with its end station resolved → "Courier to …", reward_per_volume 80000 (case 45)', async () => {
    const body = await getDetail(105);
    expect(body.primary_label).toBe('Courier to Amarr VIII (Oris) - Emperor Family Academy');
    expect(body.reward_per_volume).toBe(80000);
    expect(body).toMatchObject({
      type: 'courier',
      title: '',
      price: 0,
      collateral: 500_000_000,
      reward: 80_000_000,
      volume: 1000,
      days_to_complete: 3,
      start_location_id: JITA,
      start_location_system_id: 30000142,
      end_location_id: AMARR,
      end_location_name: 'Amarr VIII (Oris) - Emperor Family Academy',
      is_ship_contract: false,
      is_blueprint_copy_contract: false,
      composition: null,
      blueprint_summary: null,
      items: [],
    });
  });

  it('a courier ending in a structure → "Courier"; volume 0, volume null or reward null → reward_per_volume null (case 45)', async () => {
    const structure = await getDetail(451);
    expect(structure.primary_label).toBe('Courier');
    expect(structure.end_location_name).toBeNull();
    expect(structure.reward_per_volume).toBe(80000);
    for (const id of [452, 453, 454]) {
      const body = await getDetail(id);
      expect(body.reward_per_volume, `contract ${id}`).toBeNull();
      expect(body.primary_label).toBe('Courier to Amarr VIII (Oris) - Emperor Family Academy');
    }
  });

  it('the list rows carry the same courier values as the detail (case 45)', async () => {
    const list = await t.app.inject({ url: '/contracts/?contract_type=courier&sort_by=reward_per_volume&sort_direction=desc' });
    expect(list.statusCode).toBe(200);
    const rows = list.json().items as Body[];
    expect(rows.map((row) => [row.contract_id, row.reward_per_volume, row.primary_label])).toStrictEqual([
      [105, 80000, 'Courier to Amarr VIII (Oris) - Emperor Family Academy'],
      [451, 80000, 'Courier'],
      [452, null, 'Courier to Amarr VIII (Oris) - Emperor Family Academy'],
      [453, null, 'Courier to Amarr VIII (Oris) - Emperor Family Academy'],
      [454, null, 'Courier to Amarr VIII (Oris) - Emperor Family Academy'],
    ]);
  });
});

describe('GET /contracts/{contract_id} — body (docs/api.md §9)', () => {
  it('the 28 list fields and the extension fields with the list row values, plus every item, offered and requested, by record_id (case 47)', async () => {
    const response = await t.app.inject({ url: '/contracts/401' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json() as Body & { items: Item[] };
    expect(validateAgainst('ContractDetailSchema', body)).toBeNull();
    expect(Object.keys(body)).toStrictEqual([...CONTRACT_KEYS, 'items', 'bids']);

    const list = await t.app.inject({ url: '/contracts/?size=100' });
    expect(list.statusCode).toBe(200);
    expect(validateAgainst('ContractListResponse', list.json())).toBeNull();
    const row = (list.json().items as Body[]).find((candidate) => candidate.contract_id === 401);
    const { items, bids, ...fields } = body as typeof body & { bids: unknown[] };
    expect(bids).toStrictEqual([]);
    expect(fields).toStrictEqual(row);

    expect(items).toStrictEqual([
      {
        record_id: 1, type_id: 24688, quantity: 1, is_included: true, is_blueprint_copy: null, type_name: 'Rokh',
        category: 'ship', market_group_id: 80, runs: null, material_efficiency: null, time_efficiency: null,
        category_id: 6, group_id: 27,
      },
      {
        record_id: 2, type_id: 687, quantity: 1, is_included: true, is_blueprint_copy: true, type_name: 'Caracal Blueprint',
        category: null, market_group_id: 275, runs: 7, material_efficiency: 8, time_efficiency: 14, category_id: 9,
        group_id: 106,
      },
      {
        record_id: 3, type_id: 447, quantity: 1, is_included: false, is_blueprint_copy: null, type_name: 'Warp Scrambler I',
        category: null, market_group_id: 1936, runs: null, material_efficiency: null, time_efficiency: null,
        category_id: 7, group_id: 52,
      },
    ]);
    for (const item of items) expect(Object.keys(item)).toStrictEqual(ITEM_KEYS);
  });

  it('no status, date_completed, is_singleton, raw_quantity or item_id anywhere in the body (case 47)', async () => {
    const response = await t.app.inject({ url: '/contracts/402' });
    expect(response.statusCode).toBe(200);
    for (const forbidden of ['status', 'date_completed', 'is_singleton', 'raw_quantity', 'item_id']) {
      expect(response.body).not.toContain(`"${forbidden}"`);
    }
  });

  it('64-bit record_id and quantity are exact; is_blueprint_copy null/true/false; category and market group (case 48)', async () => {
    const { items } = await getDetail(402);
    expect(items.map((item) => item.record_id)).toStrictEqual([4_000_000_123, 4_000_000_124, 4_000_000_125, 4_000_000_126, 4_000_000_127]);
    const [rifter, copy, notCopy, original, trinket] = items as [Item, Item, Item, Item, Item];
    expect(rifter).toMatchObject({ quantity: 3_000_000_000, is_blueprint_copy: null, category: 'ship', category_id: 6, market_group_id: 64 });
    expect(copy).toMatchObject({ is_blueprint_copy: true, runs: 3, material_efficiency: 10, time_efficiency: 20, category: null, category_id: 9 });
    expect(notCopy).toMatchObject({ is_blueprint_copy: false, runs: null, material_efficiency: 10, time_efficiency: 20 });
    expect(original).toMatchObject({ is_blueprint_copy: null, runs: null, material_efficiency: 9, time_efficiency: 18 });
    expect(trinket).toMatchObject({ type_name: 'Odd Trinket', market_group_id: null, category: null, category_id: 5, group_id: 1739 });
    // The raw text proves the large integers travel as exact JSON integers.
    const raw = (await t.app.inject({ url: '/contracts/402' })).body;
    expect(raw).toContain('"record_id":4000000123,');
    expect(raw).toContain('"quantity":3000000000,');
  });

  it('items pending → items [] (label from the trimmed title); a courier → items [] (case 49)', async () => {
    const pending = await getDetail(490);
    expect(pending.items).toStrictEqual([]);
    expect(pending.primary_label).toBe('WTS Rifter');
    expect(pending.is_ship_contract).toBe(false);
    expect(pending.composition).toBeNull();
    expect((await getDetail(105)).items).toStrictEqual([]);
  });

  it('expired and closed contracts are still served (no liveness filter), though not listed (case 49)', async () => {
    const expired = await getDetail(491);
    expect(expired.date_expired).toBe('2026-07-19T09:16:30Z');
    expect(expired.primary_label).toBe('Rifter');
    const closed = await getDetail(492);
    expect(closed.primary_label).toBe('Caracal');
    const list = await t.app.inject({ url: '/contracts/?size=100' });
    const ids = (list.json().items as Body[]).map((row) => row.contract_id);
    expect(ids).not.toContain(491);
    expect(ids).not.toContain(492);
  });

  it('two contracts sharing record_id 4000000001 each show their own item (case 49)', async () => {
    const first = await getDetail(501);
    const second = await getDetail(502);
    expect(first.items).toHaveLength(1);
    expect(first.items[0]).toMatchObject({ record_id: 4_000_000_001, type_id: 587, type_name: 'Rifter', quantity: 2 });
    expect(second.items).toHaveLength(1);
    expect(second.items[0]).toMatchObject({ record_id: 4_000_000_001, type_id: 34, type_name: 'Tritanium', quantity: 5000 });
  });
});

describe('GET /contracts/{contract_id} — not found and invalid ids (docs/api.md §9)', () => {
  it('an id not stored → 404 {"detail":"Contract not found"} with no-store (case 50)', async () => {
    for (const url of ['/contracts/999999999', '/contracts/0', '/contracts/-5', '/api/v1/contracts/999999999/']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).toBe('{"detail":"Contract not found"}');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers.etag).toBeUndefined();
    }
  });

  it('a non-integer id → 422 int_parsing at ["path","contract_id"] (case 50)', async () => {
    for (const raw of ['abc', '1.5']) {
      const response = await t.app.inject({ url: `/contracts/${raw}` });
      expect(response.statusCode, raw).toBe(422);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json();
      expect(validateAgainst('HTTPValidationError', body)).toBeNull();
      expect(body).toStrictEqual({
        detail: [
          {
            type: 'int_parsing',
            loc: ['path', 'contract_id'],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
            input: raw,
          },
        ],
      });
    }
  });

  it('an id outside int64 → 422 int_parsing_size; the int64 bounds themselves → 404 (case 50)', async () => {
    const response = await t.app.inject({ url: '/contracts/9223372036854775808' });
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(validateAgainst('HTTPValidationError', body)).toBeNull();
    expect(body).toStrictEqual({
      detail: [
        {
          type: 'int_parsing_size',
          loc: ['path', 'contract_id'],
          msg: 'Unable to parse input string as an integer, exceeded maximum size',
          input: '9223372036854775808',
        },
      ],
    });
    for (const edge of ['9223372036854775807', '-9223372036854775808']) {
      const atEdge = await t.app.inject({ url: `/contracts/${edge}` });
      expect(atEdge.statusCode, edge).toBe(404);
      expect(atEdge.body).toBe('{"detail":"Contract not found"}');
    }
  });
});
