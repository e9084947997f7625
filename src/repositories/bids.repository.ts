import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { bulkWrite } from '../db/bulk.js';
import { bigintArray } from './sql-arrays.js';

/** A live auction whose bids are due (docs/extensions.md §2.2). */
export interface DueAuction {
  contractId: number;
  dateExpired: Date;
  /** Page 1's ETag of the previous single-page answer, for If-None-Match. */
  etag: string | null;
  /** Failed polls since the last success. */
  attempts: number;
}

export interface BidsQueueStatus {
  /** Live auctions whose bids are due now (never fetched, or their last answer expired). */
  due: number;
  /** Live auctions backing off after a failed poll. */
  waiting: number;
  /** Since when the longest-waiting due auction has been due (its expiry, or first sight when never fetched). */
  oldestDueSince: Date | null;
}

export interface BidRowWrite {
  contract_id: number;
  bid_id: number;
  amount: number;
  date_bid: string;
}

/** One contract's successful poll: 200 (its bids are in the rows written alongside) or 304. */
export interface BidsPolled {
  contractId: number;
  /** A 304 keeps the stored ETag; a 200 replaces it (null for a multi-page set). */
  notModified: boolean;
  etag: string | null;
  checkedAt: Date;
  nextPollAt: Date;
}

export interface BidsTerminal {
  contractId: number;
  httpStatus: number;
}

const BID_COLUMNS = ['contract_id', 'bid_id', 'amount', 'date_bid'] as const;

/** Live auctions still polled: the bids queue, due or not. */
const pollingBids = (now: Date) => sql`
  closed_at IS NULL AND type = 'auction' AND bids_status IN ('pending', 'fetched')
  AND date_expired > ${now.toISOString()}::timestamptz`;

const isDue = (now: Date) => sql`(bids_next_poll_at IS NULL OR bids_next_poll_at <= ${now.toISOString()}::timestamptz)`;

/** The durable bids queue and bid storage (docs/extensions.md §2.2); SQL only. */
export function createBidsRepository() {
  return {
    /** Due live auctions, ending soonest first. */
    async dueAuctions(executor: Executor, now: Date, limit: number): Promise<DueAuction[]> {
      const rows = await executor.execute<{ contract_id: string; date_expired: string; bids_etag: string | null; bids_attempts: number }>(sql`
        SELECT contract_id, date_expired, bids_etag, bids_attempts FROM contracts
        WHERE ${pollingBids(now)} AND ${isDue(now)}
        ORDER BY date_expired, contract_id
        LIMIT ${limit}`);
      return rows.map((row) => ({
        contractId: Number(row.contract_id),
        dateExpired: new Date(row.date_expired),
        etag: row.bids_etag,
        attempts: row.bids_attempts,
      }));
    },

    /** When the next live auction's bids fall due, or null when none is polled any more. */
    async nextDueAt(executor: Executor, now: Date): Promise<Date | null> {
      const rows = await executor.execute<{ next: string | null; due: boolean }>(sql`
        SELECT min(bids_next_poll_at) AS next, bool_or(bids_next_poll_at IS NULL) AS due FROM contracts WHERE ${pollingBids(now)}`);
      const row = rows[0];
      if (row?.due) return now;
      return row?.next == null ? null : new Date(row.next);
    },

    /** The queue's size and its longest wait, for /status, /ready and /metrics. */
    async queueStatus(executor: Executor, now: Date): Promise<BidsQueueStatus> {
      const at = now.toISOString();
      const [row] = await executor.execute<{ due: string; waiting: string; oldest: string | null }>(sql`
        SELECT count(*) FILTER (WHERE ${isDue(now)}) AS due,
               count(*) FILTER (WHERE bids_next_poll_at > ${at}::timestamptz AND bids_attempts > 0) AS waiting,
               min(COALESCE(bids_next_poll_at, first_seen_at)) FILTER (WHERE ${isDue(now)}) AS oldest
        FROM contracts WHERE ${pollingBids(now)}`);
      return {
        due: Number(row?.due ?? 0),
        waiting: Number(row?.waiting ?? 0),
        oldestDueSince: row?.oldest == null ? null : new Date(row.oldest),
      };
    },

    /**
     * Adds the bids (a bid never changes, so a known one is left alone) and marks the polls done,
     * with `bid_count` and `current_bid` recounted from contract_bids in the same statement, in the
     * caller's transaction. Returns how many contracts were marked.
     */
    async writePolled(tx: Executor, polled: readonly BidsPolled[], rows: readonly BidRowWrite[]): Promise<number> {
      await bulkWrite(tx, rows as unknown as Record<string, unknown>[], { table: 'contract_bids', columns: BID_COLUMNS, conflictTarget: ['contract_id', 'bid_id'] });
      if (polled.length === 0) return 0;
      const payload = polled.map((p) => ({
        contract_id: p.contractId,
        not_modified: p.notModified,
        etag: p.etag,
        checked_at: p.checkedAt.toISOString(),
        next_poll_at: p.nextPollAt.toISOString(),
      }));
      const marked = await tx.execute(sql`
        UPDATE contracts c SET
          bids_status = 'fetched', bids_http_status = CASE WHEN u.not_modified THEN 304 ELSE 200 END,
          bids_etag = CASE WHEN u.not_modified THEN c.bids_etag ELSE u.etag END,
          bids_checked_at = u.checked_at, bids_next_poll_at = u.next_poll_at, bids_attempts = 0,
          bid_count = (SELECT count(*) FROM contract_bids b WHERE b.contract_id = c.contract_id),
          current_bid = (SELECT max(amount) FROM contract_bids b WHERE b.contract_id = c.contract_id)
        FROM json_to_recordset(${JSON.stringify(payload)}::json)
          AS u(contract_id bigint, not_modified boolean, etag text, checked_at timestamptz, next_poll_at timestamptz)
        WHERE c.contract_id = u.contract_id AND c.bids_status IN ('pending', 'fetched')`);
      return (marked as unknown as { count: number }).count;
    },

    /** 204/403/404 (or another definite 4xx): the contract's bids are never polled again. */
    async markTerminal(tx: Executor, terminal: readonly BidsTerminal[]): Promise<void> {
      for (const status of new Set(terminal.map((t) => t.httpStatus))) {
        const ids = terminal.filter((t) => t.httpStatus === status).map((t) => t.contractId);
        await tx.execute(sql`
          UPDATE contracts SET bids_status = 'terminal', bids_http_status = ${status}, bids_next_poll_at = NULL, bids_etag = NULL
          WHERE contract_id = ANY(${bigintArray(ids)}) AND bids_status IN ('pending', 'fetched')`);
      }
    },

    /** A failed poll: counted, and not due again before `nextPollAt`. */
    async markFailure(executor: Executor, contractId: number, nextPollAt: Date): Promise<void> {
      await executor.execute(sql`
        UPDATE contracts SET bids_attempts = bids_attempts + 1, bids_next_poll_at = ${nextPollAt.toISOString()}::timestamptz
        WHERE contract_id = ${contractId} AND bids_status IN ('pending', 'fetched')`);
    },
  };
}

export type BidsRepository = ReturnType<typeof createBidsRepository>;
