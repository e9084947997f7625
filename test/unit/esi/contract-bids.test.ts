import { describe, expect, it } from 'vitest';
import { fetchContractBids } from '../../../src/esi/contract-bids.js';
import { parseBidRow } from '../../../src/esi/payloads.js';
import type { EsiRequest, EsiResult } from '../../../src/esi/types.js';

// The real capture shared/data/esi-samples/contracts-public-bids-190442405.json.
const REAL_BID = { amount: 1000000, bid_id: 6154448, date_bid: '2023-03-25T15:25:11Z' };
const RECEIVED = new Date('2026-07-21T12:00:00Z');
const DATE = 'Tue, 21 Jul 2026 12:00:00 GMT';
const EXPIRES = 'Tue, 21 Jul 2026 12:05:00 GMT';

const bid = (bidId: number, amount = 1_000_000 + bidId) => ({ bid_id: bidId, amount, date_bid: '2026-07-20T10:00:00Z' });

function ok(rows: unknown, headers: Record<string, string> = {}, status = 200): EsiResult {
  const body = rows === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(rows));
  return { kind: 'ok', status, body, json: rows, headers: { date: DATE, expires: EXPIRES, ...headers }, receivedAt: RECEIVED };
}

/** A client answering each request with the next scripted reply for its page, recording what was asked. */
function scripted(replies: Record<number, EsiResult[]>) {
  const sent: EsiRequest[] = [];
  return {
    sent,
    client: {
      async request(request: EsiRequest): Promise<EsiResult> {
        sent.push(request);
        const page = Number(request.query?.page);
        const next = replies[page]?.shift();
        if (!next) throw new Error(`no reply scripted for page ${page}`);
        return next;
      },
    },
  };
}

describe('E9 bid rows (docs/extensions.md §2.1)', () => {
  it('parses the real capture', () => {
    expect(parseBidRow(REAL_BID)).toEqual({
      ok: true,
      row: { bidId: 6154448, amount: 1000000, dateBid: new Date('2023-03-25T15:25:11Z') },
    });
  });

  it('ignores unknown fields', () => {
    expect(parseBidRow({ ...REAL_BID, bidder_id: 90000001 })).toMatchObject({ ok: true, row: { bidId: 6154448 } });
  });

  it.each([
    ['bid_id', { amount: 1, date_bid: REAL_BID.date_bid }, null],
    ['bid_id', { ...REAL_BID, bid_id: 'x' }, null],
    ['bid_id', { ...REAL_BID, bid_id: 2 ** 53 }, null],
    ['amount', { bid_id: 7, date_bid: REAL_BID.date_bid }, 7],
    ['amount', { ...REAL_BID, bid_id: 7, amount: '5' }, 7],
    ['date_bid', { ...REAL_BID, bid_id: 7, date_bid: 'yesterday' }, 7],
    ['date_bid', { bid_id: 7, amount: 1 }, 7],
  ])('a row with a bad %s is invalid and names the field', (field, raw, bidId) => {
    expect(parseBidRow(raw)).toMatchObject({ ok: false, field, bidId });
  });

  it('a non-object row is invalid', () => {
    expect(parseBidRow(null)).toMatchObject({ ok: false, bidId: null, field: '(row)' });
  });
});

describe('fetchContractBids: E9 paging and outcomes (docs/extensions.md §2)', () => {
  it('one page: the bids, page 1 ETag kept, lifetime from Expires − Date; page 1 is asked for explicitly', async () => {
    const { client, sent } = scripted({ 1: [ok([REAL_BID], { etag: '"a"' })] });
    const result = await fetchContractBids(client, 190442405, { etag: null });
    expect(result).toEqual({
      kind: 'bids',
      bids: [{ bidId: 6154448, amount: 1000000, dateBid: new Date('2023-03-25T15:25:11Z') }],
      skipped: [],
      pages: 1,
      etag: '"a"',
      receivedAt: RECEIVED,
      lifetimeSeconds: 300,
    });
    expect(sent).toEqual([{ route: 'contracts_bids', path: '/contracts/public/bids/190442405', query: { page: 1 } }]);
  });

  it('an empty array and an empty body are zero bids (a fetched auction without bids)', async () => {
    for (const rows of [[], null]) {
      const { client } = scripted({ 1: [ok(rows)] });
      expect(await fetchContractBids(client, 1, { etag: null })).toMatchObject({ kind: 'bids', bids: [], pages: 1 });
    }
  });

  it('reads every X-Pages page, whatever the rows per page, and keeps no ETag for a multi-page set', async () => {
    const { client, sent } = scripted({
      1: [ok([bid(1), bid(2)], { 'x-pages': '3', etag: '"p1"' })],
      2: [ok([bid(3)], { 'x-pages': '3' })],
      3: [ok([bid(4), bid(5), bid(6)], { 'x-pages': '3' })],
    });
    const result = await fetchContractBids(client, 9, { etag: null });
    expect(result).toMatchObject({ kind: 'bids', pages: 3, etag: null });
    expect(result.kind === 'bids' && result.bids.map((b) => b.bidId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sent.map((r) => r.query?.page)).toEqual([1, 2, 3]);
  });

  it('bad rows are skipped and reported; the others are kept', async () => {
    const { client } = scripted({
      1: [ok([bid(1), { bid_id: 2, date_bid: '2026-07-20T10:00:00Z' }, { amount: 5 }], { 'x-pages': '2' })],
      2: [ok([bid(3), { ...bid(4), date_bid: 'soon' }], { 'x-pages': '2' })],
    });
    const result = await fetchContractBids(client, 9, { etag: null });
    expect(result.kind === 'bids' && result.bids.map((b) => b.bidId)).toEqual([1, 3]);
    expect(result.kind === 'bids' && result.skipped).toEqual([
      { page: 1, bidId: 2, field: 'amount', reason: expect.any(String) },
      { page: 1, bidId: null, field: 'bid_id', reason: expect.any(String) },
      { page: 2, bidId: 4, field: 'date_bid', reason: expect.any(String) },
    ]);
  });

  it('sends If-None-Match with a stored ETag; a 304 is not_modified with the new lifetime', async () => {
    const { client, sent } = scripted({ 1: [ok(null, { expires: 'Tue, 21 Jul 2026 12:04:00 GMT' }, 304)] });
    expect(await fetchContractBids(client, 9, { etag: '"a"' })).toEqual({ kind: 'not_modified', receivedAt: RECEIVED, lifetimeSeconds: 240 });
    expect(sent[0]).toMatchObject({ ifNoneMatch: '"a"' });
  });

  it('a 304 whose X-Pages grew past 1 reads the pages after page 1', async () => {
    const { client, sent } = scripted({
      1: [ok(null, { 'x-pages': '2' }, 304)],
      2: [ok([bid(9)], { 'x-pages': '2' })],
    });
    const result = await fetchContractBids(client, 9, { etag: '"a"' });
    expect(result).toMatchObject({ kind: 'bids', pages: 2, etag: null });
    expect(result.kind === 'bids' && result.bids.map((b) => b.bidId)).toEqual([9]);
    expect(sent.map((r) => [r.query?.page, r.ifNoneMatch])).toEqual([[1, '"a"'], [2, undefined]]);
  });

  it.each([204, 403, 404])('%i on page 1 is terminal', async (status) => {
    const reply: EsiResult = status === 204 ? ok(null, {}, 204) : { kind: 'definite', status, headers: {}, receivedAt: RECEIVED };
    const { client } = scripted({ 1: [reply] });
    expect(await fetchContractBids(client, 9, { etag: null })).toEqual({ kind: 'terminal', status });
  });

  it('a 404 on a later page is terminal too', async () => {
    const { client } = scripted({
      1: [ok([bid(1)], { 'x-pages': '2' })],
      2: [{ kind: 'definite', status: 404, headers: {}, receivedAt: RECEIVED }],
    });
    expect(await fetchContractBids(client, 9, { etag: null })).toEqual({ kind: 'terminal', status: 404 });
  });

  it('exhausted retries are a failure', async () => {
    const { client } = scripted({ 1: [{ kind: 'transient', reason: 'http 503' }] });
    expect(await fetchContractBids(client, 9, { etag: null })).toEqual({ kind: 'failure', reason: 'http 503' });
  });

  it('an invalid X-Pages is a failure', async () => {
    const { client } = scripted({ 1: [ok([bid(1)], { 'x-pages': '0' })] });
    expect(await fetchContractBids(client, 9, { etag: null })).toMatchObject({ kind: 'failure' });
  });

  it('a set that changes while read (X-Pages moves) is read again once, without If-None-Match', async () => {
    const { client, sent } = scripted({
      1: [ok([bid(1)], { 'x-pages': '2' }), ok([bid(1)], { 'x-pages': '2' })],
      2: [ok([bid(2)], { 'x-pages': '3' }), ok([bid(2)], { 'x-pages': '2' })],
    });
    const result = await fetchContractBids(client, 9, { etag: '"old"' });
    expect(result.kind === 'bids' && result.bids.map((b) => b.bidId)).toEqual([1, 2]);
    expect(sent.map((r) => [r.query?.page, r.ifNoneMatch])).toEqual([[1, '"old"'], [2, undefined], [1, undefined], [2, undefined]]);
  });

  it.each([
    ['a bid on two pages', [bid(1)], [bid(1)], {}],
    ['a different Last-Modified', [bid(1)], [bid(2)], { 'last-modified': 'Tue, 21 Jul 2026 11:00:00 GMT' }],
    ['a page that is not an array', [bid(1)], { error: 'Requested page does not exist!' }, {}],
  ])('%s: re-read once, still inconsistent → failure', async (_name, page1, page2, page2Headers) => {
    const first = () => ok(page1, { 'x-pages': '2', 'last-modified': 'Tue, 21 Jul 2026 11:55:00 GMT' });
    const second = () => ok(page2, { 'x-pages': '2', 'last-modified': 'Tue, 21 Jul 2026 11:55:00 GMT', ...page2Headers });
    const { client, sent } = scripted({ 1: [first(), first()], 2: [second(), second()] });
    expect(await fetchContractBids(client, 9, { etag: null })).toMatchObject({ kind: 'failure', reason: expect.stringMatching(/^inconsistent after a re-read/) });
    expect(sent).toHaveLength(4);
  });
});
