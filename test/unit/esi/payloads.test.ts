import { describe, expect, it } from 'vitest';
import {
  categorySchema,
  groupSchema,
  isNameEligible,
  isNpcStation,
  isStructureLocation,
  namesResponseSchema,
  parseItemRow,
  parseListingRow,
  stationSchema,
  typeSchema,
} from '../../../src/esi/payloads.js';

// Real rows from shared/data/esi-samples (EVE Ref 2023 captures).
const COURIER = {
  collateral: 990000000,
  contract_id: 190762629,
  date_expired: '2023-05-01T05:48:04Z',
  date_issued: '2023-04-03T05:48:04Z',
  days_to_complete: 7,
  end_location_id: 60003760,
  issuer_corporation_id: 98507191,
  issuer_id: 2119382109,
  price: 0,
  reward: 9000000,
  start_location_id: 60012547,
  title: '',
  type: 'courier',
  volume: 274.4699999999999,
};
/** An auction: no collateral, no for_corporation, as ESI sends it. */
const AUCTION = {
  buyout: 669000000,
  contract_id: 190319637,
  date_expired: '2023-04-05T06:38:10Z',
  date_issued: '2023-03-20T00:00:00Z',
  days_to_complete: 0,
  end_location_id: 60012550,
  issuer_corporation_id: 1000044,
  issuer_id: 2118836807,
  price: 400000000,
  reward: 0,
  start_location_id: 60012550,
  title: '',
  type: 'auction',
  volume: 0.22000000000000006,
};

describe('listing rows', () => {
  it('parses a real courier row, keeping 0 and "" as values', () => {
    expect(parseListingRow(COURIER)).toEqual({
      ok: true,
      row: {
        contractId: 190762629,
        type: 'courier',
        issuerId: 2119382109,
        issuerCorporationId: 98507191,
        dateIssued: new Date('2023-04-03T05:48:04Z'),
        dateExpired: new Date('2023-05-01T05:48:04Z'),
        price: 0,
        buyout: null,
        reward: 9000000,
        collateral: 990000000,
        daysToComplete: 7,
        startLocationId: 60012547,
        endLocationId: 60003760,
        forCorporation: false,
        title: '',
        volume: 274.4699999999999,
      },
    });
  });

  it('absent optionals → null; collateral → 0; for_corporation → false', () => {
    const minimal = {
      contract_id: 1,
      type: 'item_exchange',
      issuer_id: 2,
      issuer_corporation_id: 3,
      date_issued: '2026-07-01T00:00:00Z',
      date_expired: '2026-07-29T00:00:00Z',
    };
    const parsed = parseListingRow(minimal);
    expect(parsed).toMatchObject({
      ok: true,
      row: { price: null, buyout: null, reward: null, collateral: 0, daysToComplete: null, startLocationId: null, endLocationId: null, forCorporation: false, title: null, volume: null },
    });
    expect(parseListingRow(AUCTION)).toMatchObject({ ok: true, row: { collateral: 0, forCorporation: false, buyout: 669000000 } });
    expect(parseListingRow({ ...AUCTION, for_corporation: true })).toMatchObject({ ok: true, row: { forCorporation: true } });
  });

  it('keeps an out-of-enum type raw and ignores unknown fields', () => {
    const parsed = parseListingRow({ ...COURIER, type: 'rental', status: 'outstanding', acceptor_id: 5 });
    expect(parsed).toMatchObject({ ok: true, row: { type: 'rental' } });
    expect(parsed.ok && Object.keys(parsed.row)).not.toContain('status');
  });

  it.each([
    ['issuer_id', 2 ** 53],
    ['start_location_id', 1.5],
    ['issuer_corporation_id', '98507191'],
  ])('a non-safe-integer %s makes the row invalid, reporting its contract id', (field, value) => {
    expect(parseListingRow({ ...COURIER, [field]: value })).toMatchObject({ ok: false, contractId: 190762629, field });
  });

  it('a bad date_issued reports the contract id, the field and a reason', () => {
    const parsed = parseListingRow({ ...COURIER, date_issued: '2023-02-30T05:48:04Z' });
    expect(parsed).toMatchObject({ ok: false, contractId: 190762629, field: 'date_issued' });
    expect(!parsed.ok && parsed.reason.length).toBeGreaterThan(0);
  });

  it('a row without a usable contract_id reports null', () => {
    expect(parseListingRow({ ...COURIER, contract_id: 2 ** 53 + 2 })).toMatchObject({ ok: false, contractId: null, field: 'contract_id' });
    expect(parseListingRow({ ...COURIER, contract_id: undefined })).toMatchObject({ ok: false, contractId: null, field: 'contract_id' });
    expect(parseListingRow('not a row')).toMatchObject({ ok: false, contractId: null, field: '(row)' });
    expect(parseListingRow(null)).toMatchObject({ ok: false, contractId: null });
  });

  it('a missing required field fails the row', () => {
    const { date_expired: _omitted, ...row } = COURIER;
    expect(parseListingRow(row)).toMatchObject({ ok: false, contractId: 190762629, field: 'date_expired' });
  });
});

describe('item rows', () => {
  it('parses the four real shapes', () => {
    // BPC
    expect(
      parseItemRow({ is_blueprint_copy: true, is_included: true, item_id: 1041200274935, material_efficiency: 10, quantity: 1, record_id: 4023681577, runs: 10, time_efficiency: 20, type_id: 688 }),
    ).toEqual({
      ok: true,
      row: { recordId: 4023681577, typeId: 688, quantity: 1, isIncluded: true, isBlueprintCopy: true, itemId: 1041200274935, runs: 10, materialEfficiency: 10, timeEfficiency: 20 },
    });
    // BPO: no runs, no is_blueprint_copy → null, not false.
    expect(parseItemRow({ is_included: true, item_id: 1040801353682, material_efficiency: 10, quantity: 1, record_id: 4023691277, time_efficiency: 20, type_id: 1334 })).toMatchObject({
      ok: true,
      row: { isBlueprintCopy: null, runs: null, materialEfficiency: 10 },
    });
    // Requested item: no item_id.
    expect(parseItemRow({ is_included: false, quantity: 1, record_id: 4016528455, type_id: 20185 })).toMatchObject({
      ok: true,
      row: { isIncluded: false, itemId: null, isBlueprintCopy: null },
    });
    // A real false stays false.
    expect(parseItemRow({ is_included: true, quantity: 37319, record_id: 1, type_id: 16274, is_blueprint_copy: false })).toMatchObject({
      ok: true,
      row: { isBlueprintCopy: false, quantity: 37319 },
    });
  });

  it('a bad field fails the row and reports its record id', () => {
    expect(parseItemRow({ is_included: true, quantity: 1, record_id: 4023681577, type_id: 2 ** 53 })).toMatchObject({ ok: false, recordId: 4023681577, field: 'type_id' });
    expect(parseItemRow({ is_included: 'yes', quantity: 1, record_id: 7, type_id: 34 })).toMatchObject({ ok: false, recordId: 7, field: 'is_included' });
  });
});

describe('universe payloads', () => {
  it('type: market_group_id optional → null; extra fields ignored', () => {
    // Sin Blueprint (22431): no market_group_id on the wire.
    const sin = { capacity: 0, graphic_id: 3350, group_id: 107, mass: 0, name: 'Sin Blueprint', published: true, type_id: 22431, volume: 0.01 };
    expect(typeSchema.parse(sin)).toEqual({ type_id: 22431, name: 'Sin Blueprint', group_id: 107, market_group_id: null });
    expect(typeSchema.parse({ ...sin, market_group_id: 281 }).market_group_id).toBe(281);
    expect(typeSchema.safeParse({ ...sin, group_id: undefined }).success).toBe(false);
  });

  it('group, category, station and names', () => {
    expect(groupSchema.parse({ category_id: 6, group_id: 27, name: 'Battleship', published: true, types: [638] })).toEqual({ group_id: 27, name: 'Battleship', category_id: 6 });
    expect(categorySchema.parse({ category_id: 6, groups: [25], name: 'Ship', published: true })).toEqual({ category_id: 6, name: 'Ship' });
    expect(stationSchema.parse({ station_id: 60000277, system_id: 30000148, name: 'Jakanerva III - Moon 15 - Prompt Delivery Storage', type_id: 1531 })).toEqual({
      station_id: 60000277,
      system_id: 30000148,
      name: 'Jakanerva III - Moon 15 - Prompt Delivery Storage',
    });
    expect(stationSchema.safeParse({ station_id: 60000277, name: 'x' }).success).toBe(false);
    expect(
      namesResponseSchema.parse([
        { category: 'character', id: 95465499, name: 'CCP Bartender' },
        { category: 'new_category', id: 30000142, name: 'Jita' },
      ]),
    ).toEqual([
      { category: 'character', id: 95465499, name: 'CCP Bartender' },
      { category: 'new_category', id: 30000142, name: 'Jita' },
    ]);
  });
});

describe('id classes (docs/sync.md §2.4)', () => {
  it('NPC stations are 60,000,000 ≤ id < 64,000,000', () => {
    expect([59_999_999, 60_000_000, 60_003_760, 63_999_999, 64_000_000].map(isNpcStation)).toEqual([false, true, true, true, false]);
  });

  it('name-eligible ids are 0 < id < 10^11', () => {
    expect([0, 1, 2_119_882_841, 99_999_999_999, 1e11, 1_027_826_381_003, -5].map(isNameEligible)).toEqual([false, true, true, true, false, false, false]);
  });

  it('locations at or above 10^11 are treated as structures', () => {
    expect([60_003_760, 1e11, 1_035_466_617_946].map(isStructureLocation)).toEqual([false, true, true]);
  });
});
