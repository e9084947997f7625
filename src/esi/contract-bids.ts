import { responseLifetimeSeconds } from './cache-lifetime.js';
import { parseHttpDate } from './http-date.js';
import { parseBidRow, type BidRow } from './payloads.js';
import type { EsiClient, EsiResult } from './types.js';

/** A row E9 sent that failed its schema: skipped alone, never stored, logged by the caller. */
export interface SkippedBidRow {
  readonly page: number;
  readonly bidId: number | null;
  readonly field: string;
  readonly reason: string;
}

export type ContractBidsResult =
  /**
   * Every page read and consistent. `bids` are the valid rows (a bid set only grows, so storage
   * adds them to what it holds). `etag` is page 1's, kept only for a single-page set: a 304 on
   * page 1 says nothing about the pages after it.
   */
  | {
      readonly kind: 'bids';
      readonly bids: readonly BidRow[];
      readonly skipped: readonly SkippedBidRow[];
      readonly pages: number;
      readonly etag: string | null;
      readonly receivedAt: Date;
      readonly lifetimeSeconds: number;
    }
  /** 304 to `If-None-Match`: the stored bids stand; only the expiry moves. */
  | { readonly kind: 'not_modified'; readonly receivedAt: Date; readonly lifetimeSeconds: number }
  /** 204 (expired or accepted), 403, 404 or another definite 4xx on any page: stop polling. */
  | { readonly kind: 'terminal'; readonly status: number }
  /** Retries exhausted, or a page set that was still inconsistent when read again. */
  | { readonly kind: 'failure'; readonly reason: string };

type PageRead = Extract<EsiResult, { kind: 'ok' }>;
type ReadOutcome = ContractBidsResult | { readonly kind: 'inconsistent'; readonly reason: string };

function xPagesOf(result: PageRead): number | null {
  const raw = result.headers['x-pages'];
  if (raw === undefined) return 1;
  if (!/^\d+$/.test(raw.trim())) return null;
  const value = Number(raw.trim());
  return Number.isSafeInteger(value) && value >= 1 ? value : null;
}

function sameLastModified(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  const left = parseHttpDate(a);
  const right = parseHttpDate(b);
  return left !== null && right !== null ? left === right : a.trim() === b.trim();
}

function notOk(result: Exclude<EsiResult, { kind: 'ok' }>): ContractBidsResult {
  return result.kind === 'transient' ? { kind: 'failure', reason: result.reason } : { kind: 'terminal', status: result.status };
}

/**
 * E9 `GET /contracts/public/bids/{contract_id}?page=N` (docs/extensions.md §2.1), every page through the
 * client (so through the governor and the §3.6 retry classes). Pages are validated like item
 * pages: `X-Pages` any value ≥ 1 (absent: 1), any number of rows per page, every body an array
 * (an empty body is no rows). A set that changes while it is read (X-Pages or Last-Modified
 * differing between pages, a bid_id on two pages) is read again once, unconditionally.
 */
export async function fetchContractBids(
  client: Pick<EsiClient, 'request'>,
  contractId: number,
  options: { readonly etag: string | null },
): Promise<ContractBidsResult> {
  const send = (page: number, ifNoneMatch?: string) =>
    client.request({
      route: 'contracts_bids',
      path: `/contracts/public/bids/${contractId}`,
      query: { page },
      ...(ifNoneMatch ? { ifNoneMatch } : {}),
    });

  async function readAll(ifNoneMatch: string | undefined): Promise<ReadOutcome> {
    const first = await send(1, ifNoneMatch);
    if (first.kind !== 'ok') return notOk(first);
    if (first.status === 204) return { kind: 'terminal', status: 204 };
    const lifetimeSeconds = responseLifetimeSeconds(first.headers, first.receivedAt);
    const pageCount = xPagesOf(first);
    if (pageCount === null) return { kind: 'failure', reason: `invalid X-Pages ${JSON.stringify(first.headers['x-pages'])}` };
    let firstPage = 1;
    if (first.status === 304) {
      if (ifNoneMatch === undefined) return { kind: 'failure', reason: '304 to a request without If-None-Match' };
      // Page 1 is unchanged; a set that grew a second page since is read from page 2 on.
      if (pageCount === 1) return { kind: 'not_modified', receivedAt: first.receivedAt, lifetimeSeconds };
      firstPage = 2;
    } else if (first.status !== 200) {
      return { kind: 'failure', reason: `unexpected http ${first.status}` };
    }

    const bids: BidRow[] = [];
    const skipped: SkippedBidRow[] = [];
    const seen = new Set<number>();
    const lastModified = first.headers['last-modified'];
    for (let page = firstPage; page <= pageCount; page += 1) {
      const result = page === 1 ? first : await send(page);
      if (result.kind !== 'ok') return notOk(result);
      if (result.status === 204) return { kind: 'terminal', status: 204 };
      if (result.status !== 200) return { kind: 'failure', reason: `unexpected http ${result.status} on page ${page}` };
      if (xPagesOf(result) !== pageCount) return { kind: 'inconsistent', reason: `X-Pages changed on page ${page}` };
      if (!sameLastModified(lastModified, result.headers['last-modified'])) return { kind: 'inconsistent', reason: `Last-Modified changed on page ${page}` };
      const rows = result.json ?? [];
      if (!Array.isArray(rows)) return { kind: 'inconsistent', reason: `page ${page} is not an array` };
      for (const raw of rows) {
        const parsed = parseBidRow(raw);
        if (!parsed.ok) {
          skipped.push({ page, bidId: parsed.bidId, field: parsed.field, reason: parsed.reason });
          continue;
        }
        if (seen.has(parsed.row.bidId)) return { kind: 'inconsistent', reason: `bid_id ${parsed.row.bidId} on two pages` };
        seen.add(parsed.row.bidId);
        bids.push(parsed.row);
      }
    }
    return {
      kind: 'bids',
      bids,
      skipped,
      pages: pageCount,
      etag: pageCount === 1 ? (first.headers['etag'] ?? null) : null,
      receivedAt: first.receivedAt,
      lifetimeSeconds,
    };
  }

  const first = await readAll(options.etag ?? undefined);
  if (first.kind !== 'inconsistent') return first;
  const again = await readAll(undefined);
  return again.kind === 'inconsistent' ? { kind: 'failure', reason: `inconsistent after a re-read: ${again.reason}` } : again;
}
