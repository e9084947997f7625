import { describe, expect, it } from 'vitest';
import type { BulkRow } from '../../src/db/bulk.js';
import { deriveContractFields, type DerivationItem } from '../../src/domain/derived-fields.js';
import { ENRICHMENT_VERSION } from '../../src/domain/enrichment.js';
import { CONTRACT_COLUMNS, generateCorpus, ITEM_COLUMNS, referenceRows, type CorpusBatch } from '../../src/seed/corpus.js';
import { loadSde } from '../fixtures/sde/index.js';

const sde = loadSde();
const NOW = new Date('2026-07-21T12:00:00Z');
const DAY = 86_400_000;

function collect(batches: Iterable<CorpusBatch>): { contracts: BulkRow[]; items: BulkRow[]; batches: number } {
  const contracts: BulkRow[] = [];
  const items: BulkRow[] = [];
  let count = 0;
  for (const batch of batches) {
    contracts.push(...batch.contracts);
    items.push(...batch.items);
    count++;
  }
  return { contracts, items, batches: count };
}

const corpus = collect(generateCorpus({ contracts: 5000, seed: 7, now: NOW, sde }));
const itemsByContract = new Map<number, BulkRow[]>();
for (const item of corpus.items) {
  const list = itemsByContract.get(item.contract_id as number) ?? [];
  list.push(item);
  itemsByContract.set(item.contract_id as number, list);
}
const share = (predicate: (row: BulkRow) => boolean) => corpus.contracts.filter(predicate).length / corpus.contracts.length;
const time = (value: unknown) => new Date(value as string).getTime();

describe('generateCorpus determinism', () => {
  it('yields byte-identical rows for the same seed and options, in batches of the requested size', () => {
    const first = collect(generateCorpus({ contracts: 1200, seed: 42, now: NOW, sde, batchSize: 500 }));
    const second = collect(generateCorpus({ contracts: 1200, seed: 42, now: NOW, sde, batchSize: 500 }));
    expect(first.batches).toBe(3);
    expect(first.contracts).toHaveLength(1200);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('yields the same rows whatever the batch size', () => {
    const small = collect(generateCorpus({ contracts: 700, seed: 3, now: NOW, sde, batchSize: 64 }));
    const large = collect(generateCorpus({ contracts: 700, seed: 3, now: NOW, sde }));
    expect(JSON.stringify(small.contracts)).toBe(JSON.stringify(large.contracts));
    expect(JSON.stringify(small.items)).toBe(JSON.stringify(large.items));
  });

  it('yields different rows for another seed', () => {
    const one = collect(generateCorpus({ contracts: 300, seed: 1, now: NOW, sde }));
    const two = collect(generateCorpus({ contracts: 300, seed: 2, now: NOW, sde }));
    expect(JSON.stringify(two.contracts)).not.toBe(JSON.stringify(one.contracts));
    expect(one.contracts.map((row) => row.issuer_name)).not.toEqual(two.contracts.map((row) => row.issuer_name));
  });

  it('yields nothing for zero contracts and rejects invalid options', () => {
    expect(collect(generateCorpus({ contracts: 0, seed: 1, now: NOW, sde })).batches).toBe(0);
    expect(() => collect(generateCorpus({ contracts: -1, seed: 1, now: NOW, sde }))).toThrow(RangeError);
    expect(() => collect(generateCorpus({ contracts: 10, seed: 1.5, now: NOW, sde }))).toThrow(RangeError);
  });
});

describe('generateCorpus rows', () => {
  it('keys every row by exactly the writable columns, never the generated ones', () => {
    for (const row of corpus.contracts.slice(0, 50)) expect(Object.keys(row).sort()).toEqual([...CONTRACT_COLUMNS].sort());
    for (const row of corpus.items.slice(0, 50)) expect(Object.keys(row).sort()).toEqual([...ITEM_COLUMNS].sort());
    expect(CONTRACT_COLUMNS).not.toContain('reward_per_volume');
    expect(CONTRACT_COLUMNS).not.toContain('segment');
  });

  it('uses safe integer ids in the documented ranges, contract ids ascending with gaps', () => {
    const ids = corpus.contracts.map((row) => row.contract_id as number);
    expect(ids[0]).toBeGreaterThanOrEqual(200_000_000);
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
    expect(ids[ids.length - 1]! - ids[0]!).toBeGreaterThan(ids.length);
    const badContracts = corpus.contracts.filter((row) => {
      const issuer = row.issuer_id as number;
      const corporation = row.issuer_corporation_id as number;
      return (
        !['contract_id', 'issuer_id', 'issuer_corporation_id', 'region_id'].every((column) => Number.isSafeInteger(row[column])) ||
        !((issuer >= 90_000_000 && issuer < 98_000_000) || (issuer >= 2_112_000_000 && issuer < 2_130_000_000)) ||
        corporation < 98_000_000 ||
        corporation >= 99_000_000 ||
        typeof row.issuer_name !== 'string' ||
        typeof row.issuer_corporation_name !== 'string'
      );
    });
    expect(badContracts).toEqual([]);
    const badItems = corpus.items.filter(
      (item) =>
        !Number.isSafeInteger(item.record_id) ||
        (item.record_id as number) < 4_000_000_000 ||
        !Number.isSafeInteger(item.quantity) ||
        (item.is_included ? Math.abs((item.item_id as number) / 1.03e12 - 1) >= 0.05 : item.item_id !== null),
    );
    expect(badItems).toEqual([]);
  });

  it('keeps record ids unique within each contract', () => {
    for (const [, items] of itemsByContract) {
      expect(new Set(items.map((item) => item.record_id)).size).toBe(items.length);
    }
  });

  it('mixes contract types like the real universe, mostly in The Forge', () => {
    expect(share((row) => row.type === 'item_exchange')).toBeGreaterThan(0.96);
    expect(share((row) => row.type === 'auction')).toBeGreaterThan(0.008);
    expect(share((row) => row.type === 'auction')).toBeLessThan(0.025);
    expect(share((row) => row.type === 'courier')).toBeGreaterThan(0.001);
    expect(share((row) => row.type === 'courier')).toBeLessThan(0.01);
    expect(share((row) => row.region_id === 10000002)).toBeGreaterThan(0.65);
    expect(share((row) => row.region_id === 10000002)).toBeLessThan(0.75);
    expect(new Set(corpus.contracts.map((row) => row.region_id)).size).toBeGreaterThan(10);
  });

  it('has about 4.5 item rows per item contract: median 1, p99 near 16, and a 200+ row contract', () => {
    const counts = corpus.contracts
      .filter((row) => row.items_status === 'fetched')
      .map((row) => itemsByContract.get(row.contract_id as number)?.length ?? 0)
      .sort((a, b) => a - b);
    const mean = counts.reduce((sum, n) => sum + n, 0) / counts.length;
    expect(mean).toBeGreaterThan(4);
    expect(mean).toBeLessThan(5.5);
    expect(counts[Math.floor(counts.length / 2)]).toBe(1);
    expect(counts[Math.floor(counts.length * 0.99)]).toBeGreaterThanOrEqual(12);
    expect(counts[Math.floor(counts.length * 0.99)]).toBeLessThanOrEqual(24);
    expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(200);
    expect(counts[counts.length - 1]).toBeLessThanOrEqual(400);
    expect(counts[0]).toBeGreaterThanOrEqual(1);
  });

  it('puts blueprint copies in about half the contracts, originals and ships in some', () => {
    expect(share((row) => row.is_blueprint_copy_contract === true)).toBeGreaterThan(0.42);
    expect(share((row) => row.is_blueprint_copy_contract === true)).toBeLessThan(0.56);
    expect(share((row) => row.is_ship_contract === true)).toBeGreaterThan(0.02);
    expect(share((row) => row.is_ship_contract === true)).toBeLessThan(0.08);
    const copies = corpus.items.filter((item) => item.is_blueprint_copy === true);
    const originals = corpus.items.filter((item) => item.category_id === 9 && item.is_blueprint_copy === null);
    expect(originals.length).toBeGreaterThan(50);
    for (const copy of copies) {
      expect(copy.runs as number).toBeGreaterThanOrEqual(1);
      expect(copy.runs as number).toBeLessThanOrEqual(300);
      expect(copy.material_efficiency as number).toBeLessThanOrEqual(10);
      expect((copy.time_efficiency as number) % 2).toBe(0);
      expect(copy.time_efficiency as number).toBeLessThanOrEqual(20);
      expect(copy.category_id).toBe(9);
    }
    for (const original of originals) {
      expect(original.runs).toBeNull();
      expect(original.material_efficiency).toEqual(expect.any(Number));
      expect(original.time_efficiency).toEqual(expect.any(Number));
    }
  });

  it('enriches every item from the SDE: names, taxonomy, ship category', () => {
    const types = new Map(sde.types.map((type) => [type.type_id, type]));
    const unenriched = corpus.items.filter((item) => {
      const type = types.get(item.type_id as number);
      return (
        type === undefined ||
        item.type_name !== type.name ||
        item.group_id !== type.group_id ||
        item.category_id !== type.category_id ||
        item.market_group_id !== type.market_group_id ||
        item.category !== (type.category_id === 6 ? 'ship' : null)
      );
    });
    expect(unenriched).toEqual([]);
    const requested = corpus.items.filter((item) => item.is_included === false).length / corpus.items.length;
    expect(requested).toBeGreaterThan(0.01);
    expect(requested).toBeLessThan(0.06);
  });

  it('prices, rewards and collateral follow the contract type', () => {
    const wantToBuy = corpus.contracts.filter((row) => row.type === 'item_exchange' && row.price === 0);
    expect(wantToBuy.length).toBeGreaterThan(10);
    for (const row of wantToBuy) {
      expect(row.reward as number).toBeGreaterThan(0);
      const items = itemsByContract.get(row.contract_id as number) ?? [];
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((item) => item.is_included === false)).toBe(true);
    }
    for (const row of corpus.contracts) {
      if (row.type === 'item_exchange') expect(row.collateral).toBe(0);
      if (row.type === 'courier') {
        expect(row.price).toBe(0);
        expect(row.reward as number).toBeGreaterThan(0);
        expect(row.days_to_complete as number).toBeGreaterThan(0);
        expect(row.items_status).toBe('not_applicable');
        expect(itemsByContract.has(row.contract_id as number)).toBe(false);
      } else if (row.price !== 0) {
        expect(row.price as number).toBeGreaterThanOrEqual(1e4);
        expect(row.price as number).toBeLessThanOrEqual(1e10);
      }
    }
    const auctions = corpus.contracts.filter((row) => row.type === 'auction');
    expect(auctions.some((row) => (row.buyout as number) > (row.price as number))).toBe(true);
    expect(corpus.contracts.some((row) => row.type === 'courier' && (row.collateral as number) > 0)).toBe(true);
  });

  it('has realistic locations: NPC stations resolved, some structures without name or system', () => {
    const stations = new Map(sde.stations.map((station) => [station.station_id, station]));
    let structures = 0;
    for (const row of corpus.contracts) {
      const start = row.start_location_id as number | null;
      if (start === null) {
        expect(row.type).toBe('courier');
      } else if (start >= 1e12) {
        structures++;
        expect(row.start_location_name).toBeNull();
        expect(row.start_location_system_id).toBeNull();
      } else {
        const station = stations.get(start)!;
        expect(station.region_id).toBe(row.region_id);
        expect(row.start_location_name).toBe(station.name);
        expect(row.start_location_system_id).toBe(station.system_id);
      }
    }
    expect(structures / corpus.contracts.length).toBeGreaterThan(0.02);
    expect(structures / corpus.contracts.length).toBeLessThan(0.08);
    expect(corpus.contracts.some((row) => row.start_location_id === 60003760)).toBe(true);
  });

  it('issues within 28 days of now, with some contracts expired or closed', () => {
    const now = NOW.getTime();
    let closed = 0;
    let expiredOpen = 0;
    const reasons = new Set<string>();
    for (const row of corpus.contracts) {
      const issued = time(row.date_issued);
      const expired = time(row.date_expired);
      expect(issued).toBeGreaterThanOrEqual(now - 28 * DAY);
      expect(expired - issued).toBeGreaterThanOrEqual(DAY);
      expect(expired - issued).toBeLessThanOrEqual(28 * DAY);
      expect(time(row.first_seen_at)).toBeGreaterThanOrEqual(issued);
      expect(time(row.last_seen_at)).toBeGreaterThanOrEqual(time(row.first_seen_at));
      expect(time(row.last_seen_at)).toBeLessThanOrEqual(now);
      if (row.closed_at !== null) {
        closed++;
        const closedAt = time(row.closed_at);
        expect(closedAt).toBeLessThanOrEqual(now);
        expect(closedAt).toBeGreaterThanOrEqual(time(row.last_seen_at));
        // Left within 10 minutes of its expiry (or after it) → expired, else gone early (extensions §4.1).
        expect(row.close_reason).toBe(closedAt >= expired - 10 * 60_000 ? 'expired' : 'gone_early');
        reasons.add(row.close_reason as string);
      } else {
        expect(row.close_reason).toBeNull();
        expect(expired).toBeGreaterThan(time(row.last_seen_at));
        if (expired <= now) expiredOpen++;
      }
    }
    expect(closed / corpus.contracts.length).toBeGreaterThan(0.03);
    expect([...reasons].sort()).toEqual(['expired', 'gone_early']);
    expect(closed / corpus.contracts.length).toBeLessThan(0.07);
    expect(expiredOpen).toBeGreaterThan(0);
  });

  it('stores titles mostly empty, sometimes with %, _ or non-ASCII text, and corporation contracts rarely', () => {
    expect(share((row) => row.title === '')).toBeGreaterThan(0.5);
    expect(share((row) => row.title === '')).toBeLessThan(0.7);
    expect(corpus.contracts.some((row) => /[%_]/.test(row.title as string))).toBe(true);
    expect(corpus.contracts.some((row) => /[^\x20-\x7e]/.test(row.title as string))).toBe(true);
    expect(share((row) => row.for_corporation === true)).toBeGreaterThan(0.005);
    expect(share((row) => row.for_corporation === true)).toBeLessThan(0.04);
  });

  it('stores derived fields exactly as deriveContractFields computes them, enrichment complete', () => {
    const categoryNames = new Map(sde.categories.map((category) => [category.category_id, category.name]));
    for (const row of corpus.contracts) {
      const items = itemsByContract.get(row.contract_id as number) ?? [];
      const derivation: DerivationItem[] = items.map((item) => ({
        recordId: item.record_id as number,
        isIncluded: item.is_included as boolean,
        isBlueprintCopy: item.is_blueprint_copy as boolean | null,
        typeName: item.type_name as string,
        categoryId: item.category_id as number,
        runs: item.runs as number | null,
        materialEfficiency: item.material_efficiency as number | null,
        timeEfficiency: item.time_efficiency as number | null,
      }));
      const derived = deriveContractFields(
        {
          contractId: row.contract_id as number,
          type: row.type as string,
          title: row.title as string,
          endLocationName: row.end_location_name as string | null,
        },
        derivation,
        row.volume as number,
        categoryNames,
      );
      expect({
        primary_label: row.primary_label,
        primary_label_sort: row.primary_label_sort,
        composition: row.composition,
        blueprint_summary: row.blueprint_summary,
        is_blueprint_copy_contract: row.is_blueprint_copy_contract,
        search_text: row.search_text,
      }).toEqual({
        primary_label: derived.primaryLabel,
        primary_label_sort: derived.primaryLabelSort,
        composition: derived.composition,
        blueprint_summary: derived.blueprintSummary,
        is_blueprint_copy_contract: derived.isBlueprintCopyContract,
        search_text: derived.searchText,
      });
      expect(row.is_ship_contract).toBe(items.some((item) => item.is_included === true && item.category_id === 6));
      expect(row.enrichment_status).toBe('complete');
      expect(row.enrichment_version).toBe(ENRICHMENT_VERSION);
      expect(row.items_status).toBe(row.type === 'item_exchange' || row.type === 'auction' ? 'fetched' : 'not_applicable');
    }
  });
});

describe('referenceRows', () => {
  const tables = new Map(referenceRows(sde, { seed: 7, now: NOW }).map((table) => [table.table, table]));

  it('covers every type, group, category and station of the SDE subset', () => {
    expect(tables.get('esi_types')!.rows).toHaveLength(sde.types.length);
    expect(tables.get('esi_groups')!.rows).toHaveLength(sde.groups.length);
    expect(tables.get('esi_categories')!.rows).toHaveLength(sde.categories.length);
    expect(tables.get('esi_stations')!.rows).toContainEqual(
      expect.objectContaining({ station_id: 60003760, name: 'Jita IV - Moon 4 - Caldari Navy Assembly Plant', system_id: 30000142 }),
    );
    for (const table of tables.values()) {
      for (const row of table.rows.slice(0, 20)) expect(Object.keys(row).sort()).toEqual([...table.columns].sort());
    }
  });

  it('names every issuer and corporation of the corpus with the same seed, with a 7-day expiry', () => {
    const names = new Map(tables.get('esi_names')!.rows.map((row) => [row.id as number, row]));
    for (const row of corpus.contracts) {
      expect(names.get(row.issuer_id as number)).toMatchObject({ name: row.issuer_name, category: 'character' });
      expect(names.get(row.issuer_corporation_id as number)).toMatchObject({ name: row.issuer_corporation_name, category: 'corporation' });
    }
    expect(names.get(60008494)).toMatchObject({ name: 'Amarr VIII (Oris) - Emperor Family Academy', category: 'station', expires_at: null });
    const character = names.get(corpus.contracts[0]!.issuer_id as number)!;
    expect(time(character.expires_at)).toBe(NOW.getTime() + 7 * DAY);
  });
});

describe('generateCorpus couriers (docs/api.md §13)', () => {
  const couriers = collect(generateCorpus({ contracts: 40_000, seed: 3, now: NOW, sde })).contracts.filter((row) => row.type === 'courier');

  it('go between real stations, never to their own start; some to low-sec, some to structures; routes stored as the sync would', () => {
    expect(couriers.length).toBeGreaterThan(100);
    for (const row of couriers) {
      if (row.start_location_id !== null) expect(row.end_location_id, String(row.contract_id)).not.toBe(row.start_location_id);
      expect(row.route_version).toBe(1);
      if (row.start_location_system_id === null || row.end_location_system_id === null) expect(row.route_jumps).toBeNull();
    }
    const routed = couriers.filter((row) => row.route_jumps !== null);
    expect(routed.length / couriers.length).toBeGreaterThan(0.6);
    // Low-sec ends: a route exists, but none through high-sec only.
    expect(routed.filter((row) => row.route_jumps_highsec === null).length).toBeGreaterThan(0);
    expect(routed.filter((row) => (row.route_jumps as number) >= 5).length).toBeGreaterThan(0);
    expect(couriers.filter((row) => (row.end_location_id as number) >= 1e12).length).toBeGreaterThan(0);
  });
});
