import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildTestApp, useAppPerTest } from '../support/app.js';
import { DOMAIN, STRUCTURE, bumpGeneration, hours, replaceContracts, type ContractSpec } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

// cases 55–57: live = open and date_expired > L, L = now truncated to the minute.
const NOW = new Date('2026-07-21T09:16:30Z');
const L = new Date('2026-07-21T09:16:00Z');
const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);
// docs/api.md §5 lets the server reuse a generation it read up to 1 s ago; a commit is visible after that.

interface ListBody {
  total: number;
  items: { contract_id: number }[];
  unknown_system_excluded: number | null;
  segment_counts: Record<string, number>;
  coverage: { ingested_region_ids: number[]; as_of: string | null };
}

const ctx = useAppPerTest({ taxonomy: true });
let clock = NOW;

async function withContracts(specs: ContractSpec[]): Promise<void> {
  await replaceContracts(ctx.db.db, specs, NOW);
  clock = NOW;
  ctx.t = await buildTestApp({ databaseUrl: ctx.db.url, now: () => clock });
}

async function get(url: string, headers: Record<string, string> = {}) {
  return ctx.t!.app.inject({ url, headers });
}

async function list(query = ''): Promise<{ etag: string; body: ListBody }> {
  const response = await get(`/contracts/?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<ListBody>();
  expect(validateAgainst('ContractListResponse', body)).toBeNull();
  return { etag: String(response.headers.etag), body };
}

const ids = (body: ListBody) => body.items.map((row) => row.contract_id).sort((a, b) => a - b);
const counts = (item_exchange: number, auction: number, courier: number, loan: number, unknown: number) => ({
  item_exchange,
  auction,
  courier,
  loan,
  unknown,
});

describe('the liveness instant L (case 55)', () => {
  // now = 09:16:30, L = 09:16:00. Expiring at L−1s and at L → hidden; L+1s and L+60s → live.
  const specs: ContractSpec[] = [
    { contractId: 501, type: 'auction', dateExpired: at(L, -1), items: null },
    { contractId: 502, type: 'loan', dateExpired: L },
    { contractId: 503, dateExpired: at(L, 1), items: null },
    { contractId: 504, type: 'courier', dateExpired: at(L, 60) },
    { contractId: 505, dateExpired: L, startLocationId: STRUCTURE, items: null },
    { contractId: 506, dateExpired: at(L, 1), startLocationId: STRUCTURE, items: [{ typeId: 587 }] },
    { contractId: 507, dateExpired: at(L, 2 * 86_400), items: [{ typeId: 621 }] },
    { contractId: 508, dateExpired: at(L, 60), items: null },
  ];

  it('at hh:mm:30, L−1s and L are hidden, L+1s and L+60s listed (case 55)', async () => {
    await withContracts(specs);
    const { body } = await list();
    expect(ids(body)).toEqual([503, 504, 506, 507, 508]);
    expect(body.total).toBe(5);
    expect(body.segment_counts).toEqual(counts(4, 0, 1, 0, 0));
    const bySystem = (await list('system_ids=30000142')).body;
    expect(ids(bySystem)).toEqual([503, 504, 507, 508]);
    expect(bySystem.unknown_system_excluded).toBe(1);
    clock = at(L, 59);
    expect(ids((await list()).body)).toEqual([503, 504, 506, 507, 508]);
  });

  it('at now = L+60s, L+1s and L+60s are hidden too, in total, counts and residual (case 55)', async () => {
    await withContracts(specs);
    clock = at(L, 60);
    const { body } = await list();
    expect(ids(body)).toEqual([507]);
    expect(body.total).toBe(1);
    expect(body.segment_counts).toEqual(counts(1, 0, 0, 0, 0));
    const bySystem = (await list('system_ids=30000142')).body;
    expect(bySystem.total).toBe(1);
    expect(bySystem.unknown_system_excluded).toBe(0);
  });

  it('the taxonomy population follows the same live set (case 55)', async () => {
    await withContracts(specs);
    // Live item-bearing at NOW: 503 and 508 (items pending), 506, 507 → 2 of 4 complete → partial.
    const before = await get('/contracts/taxonomy');
    expect(before.statusCode).toBe(200);
    expect(before.json().coverage).toBe('partial');
    // At L+60s only 507 is live and complete; the pending 503 and 508 (expiring at L+1s, L+60s) no longer count.
    clock = at(L, 60);
    const after = await get('/contracts/taxonomy');
    expect(after.json().coverage).toBe('complete');
    expect(validateAgainst('TaxonomyResponse', after.json())).toBeNull();
  });

  it('3 live and 2 expired interleaved by date_issued, size=2 → pages of 2 and 1, total 3 (case 55)', async () => {
    const issued = (h: number) => new Date(NOW.getTime() - hours(h));
    await withContracts([
      { contractId: 521, dateIssued: issued(1) },
      { contractId: 522, dateIssued: issued(2), dateExpired: at(L, -30) },
      { contractId: 523, dateIssued: issued(3) },
      { contractId: 524, dateIssued: issued(4), dateExpired: L },
      { contractId: 525, dateIssued: issued(5) },
    ]);
    const first = (await list('size=2')).body;
    const second = (await list('size=2&page=2')).body;
    expect(first.items.map((row) => row.contract_id)).toEqual([521, 523]);
    expect(second.items.map((row) => row.contract_id)).toEqual([525]);
    expect([first.total, second.total]).toEqual([3, 3]);
    expect((await list('size=2&page=3')).body.items).toEqual([]);
  });
});

describe('closure and reopening (cases 56–57)', () => {
  // 531 is the only contract of Domain; 532 stays open in The Forge.
  const specs: ContractSpec[] = [
    { contractId: 531, type: 'auction', regionId: DOMAIN, startLocationId: 60008494, items: [{ typeId: 24688 }] },
    { contractId: 532, items: [{ typeId: 587 }] },
  ];

  /** What a committed sweep does to a contract it closes or reopens (docs/sync.md §5.3): one row, G + 1. */
  async function setClosed(contractId: number, closedAt: Date | null): Promise<void> {
    await ctx.db.db.execute(sql`
      UPDATE contracts SET closed_at = ${closedAt?.toISOString() ?? null}::timestamptz,
                           close_reason = ${closedAt === null ? null : 'gone_early'}
      WHERE contract_id = ${contractId}`);
    await bumpGeneration(ctx.db.db);
    await ctx.t!.seesCurrentGeneration();
  }

  it('a closed contract leaves list and counts at the commit; its detail stays 200 and its region stays in coverage (case 56)', async () => {
    await withContracts(specs);
    const open = await list();
    expect(ids(open.body)).toEqual([531, 532]);
    expect(open.body.segment_counts).toEqual(counts(1, 1, 0, 0, 0));
    const openDetail = await get('/contracts/531');

    await setClosed(531, at(NOW, -60));
    const closed = await list();
    expect(ids(closed.body)).toEqual([532]);
    expect(closed.body.total).toBe(1);
    expect(closed.body.segment_counts).toEqual(counts(1, 0, 0, 0, 0));
    expect(closed.body.coverage.ingested_region_ids).toEqual([10000002, 10000043]);
    expect((await list('region_ids=10000043')).body.total).toBe(0);
    expect(closed.etag).not.toBe(open.etag);

    const detail = await get('/contracts/531');
    expect(detail.statusCode).toBe(200);
    expect(validateAgainst('ContractDetailSchema', detail.json())).toBeNull();
    expect(detail.json()).toEqual(openDetail.json());
    expect(detail.json()).toMatchObject({ contract_id: 531, type: 'auction', date_expired: '2026-07-28T09:16:30Z' });
    expect(Object.keys(detail.json())).not.toContain('closed_at');
  });

  it('an expired contract is served by detail too (case 56)', async () => {
    await withContracts([{ contractId: 533, dateExpired: at(NOW, -2 * 86_400) }]);
    expect((await list()).body.total).toBe(0);
    const detail = await get('/api/v1/contracts/533/');
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ contract_id: 533, date_expired: '2026-07-19T09:16:30Z' });
  });

  it('listed again by a later sweep → back in the list with a new ETag (case 57)', async () => {
    await withContracts(specs);
    await setClosed(531, at(NOW, -60));
    const closed = await list();
    expect(ids(closed.body)).toEqual([532]);

    await setClosed(531, null);
    const reopened = await list();
    expect(ids(reopened.body)).toEqual([531, 532]);
    expect(reopened.body.segment_counts).toEqual(counts(1, 1, 0, 0, 0));
    expect(reopened.etag).not.toBe(closed.etag);
    const revalidated = await get('/contracts/', { 'if-none-match': closed.etag });
    expect(revalidated.statusCode).toBe(200);
    expect(revalidated.headers.etag).toBe(reopened.etag);
    expect((await list('region_ids=10000043')).body.total).toBe(1);
  });
});
