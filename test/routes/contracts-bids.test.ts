import { describe, expect, it } from 'vitest';
import type { ContractSpec } from '../support/fixtures.js';
import { list, useFixtureDatabase } from '../support/list-helpers.js';
import { validateAgainst } from '../support/openapi-validator.js';

// Auction bids on the wire (docs/api.md §14): current_bid, bid_count and bids_checked_at on rows and
// details, the detail's bids, and sort_by=current_price, on both read paths.

const NOW = new Date('2026-07-21T09:16:30Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);

const FIXTURE: ContractSpec[] = [
  {
    contractId: 801, type: 'auction', price: 1_000_000, items: [{ typeId: 587 }],
    bids: [{ bidId: 1, amount: 2_000_000, dateBid: at(90) }, { bidId: 3, amount: 3_000_000, dateBid: at(30) }, { bidId: 2, amount: 3_000_000, dateBid: at(60) }],
  },
  // Fetched, no bid yet.
  { contractId: 802, type: 'auction', price: 5_000_000, items: [{ typeId: 621 }], bids: [] },
  // Never fetched.
  { contractId: 803, type: 'auction', price: 4_000_000, items: [{ typeId: 439 }] },
  { contractId: 804, type: 'item_exchange', price: 2_500_000, items: [{ typeId: 587 }] },
  { contractId: 805, type: 'item_exchange', price: null, items: [{ typeId: 587 }] },
];

const useFixture = useFixtureDatabase(NOW);

for (const [path, env] of [['read model', undefined], ['SQL path', { READ_MODEL: 'off' }]] as const) {
  describe(`auction bids on the wire — ${path}`, () => {
    const fixture = useFixture(FIXTURE, env);

    it('rows carry current_bid, bid_count and bids_checked_at: null for non-auctions and never-fetched auctions, 0 once fetched with none (case 133)', async () => {
      const rows = (await list<{ total: number; page: number; size: number; items: ({ contract_id: number } & Record<string, unknown>)[] }>(fixture.t, 'size=100')).items;
      const byId = new Map(rows.map((row) => [row.contract_id, row]));
      expect(byId.get(801)).toMatchObject({ current_bid: 3_000_000, bid_count: 3, bids_checked_at: '2026-07-21T08:16:30Z' });
      expect(byId.get(802)).toMatchObject({ current_bid: null, bid_count: 0, bids_checked_at: '2026-07-21T08:16:30Z' });
      expect(byId.get(803)).toMatchObject({ current_bid: null, bid_count: null, bids_checked_at: null });
      expect(byId.get(804)).toMatchObject({ current_bid: null, bid_count: null, bids_checked_at: null });
    });

    it('the detail lists the bids, amount descending then bid_id ascending; [] for others (case 133)', async () => {
      const auction = await fixture.t.app.inject({ url: '/contracts/801' });
      expect(auction.statusCode).toBe(200);
      expect(validateAgainst('ContractDetailSchema', auction.json())).toBeNull();
      expect(auction.json().bids).toStrictEqual([
        { bid_id: 2, amount: 3_000_000, date_bid: '2026-07-21T08:16:30Z' },
        { bid_id: 3, amount: 3_000_000, date_bid: '2026-07-21T08:46:30Z' },
        { bid_id: 1, amount: 2_000_000, date_bid: '2026-07-21T07:46:30Z' },
      ]);
      for (const id of [802, 803, 804]) expect((await fixture.t.app.inject({ url: `/contracts/${id}` })).json().bids, String(id)).toStrictEqual([]);
    });

    it('sort_by=current_price orders auctions by their current bid, falling back to price; nulls last, ties by contract_id (case 135)', async () => {
      const ids = async (direction: string) =>
        (await list(fixture.t, `sort_by=current_price&sort_direction=${direction}&size=100`)).items.map((item) => item.contract_id);
      // 801: 3,000,000 (its bid); 802: 5,000,000 and 803: 4,000,000 (prices, no bid); 804: 2,500,000; 805: no price.
      expect(await ids('asc')).toEqual([804, 801, 803, 802, 805]);
      expect(await ids('desc')).toEqual([802, 803, 801, 804, 805]);
    });
  });
}
