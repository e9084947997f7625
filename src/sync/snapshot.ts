/** Validation of one region's listing sweep as a single consistent snapshot (docs/sync.md §5.1 step 4). */
import type { ParsedListingRow } from '../esi/payloads.js';

export const LISTING_PAGE_SIZE = 1000;

/** One listing page as the sweep obtained it (200, or 304 resolved to the stored body). */
export interface SweepPage {
  readonly page: number;
  /**
   * The page's rows, each validated as the page arrived, or null when the body was not an array
   * (a page past the end answers an error object). Parsing on arrival lets the raw JSON die young
   * instead of living through the whole sweep next to its parsed copy.
   */
  readonly rows: readonly ParsedListingRow[] | null;
  readonly lastModified: string | null;
  readonly xPages: number | null;
  readonly date: string | null;
  readonly receivedAt: Date;
  readonly lifetimeSeconds: number;
  readonly cachePeriodSeconds: number | null;
  readonly notModified: boolean;
}

export type PageOutcome = { readonly ok: true; readonly page: SweepPage } | { readonly ok: false; readonly page: number; readonly reason: string };

export type SnapshotVerdict =
  | { readonly consistent: true; readonly snapshotAt: Date; readonly rows: readonly ParsedListingRow[]; readonly warnings: readonly string[] }
  | { readonly consistent: false; readonly reason: string };

function httpDate(text: string | null): Date | null {
  if (text === null) return null;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

/** N from page 1 (docs/sync.md §5.1 step 2), or null when the sweep is inconsistent from the start. */
export function pageCountFrom(first: SweepPage): number | null {
  if (first.xPages !== null) return first.xPages >= 1 ? first.xPages : null;
  if (first.rows === null) return null;
  return first.rows.length < LISTING_PAGE_SIZE ? 1 : null;
}

/**
 * All of: every page 1..N obtained, every body an array, every X-Pages equal to N, full pages but
 * the last, one shared Last-Modified, no contract id twice.
 */
export function validateSnapshot(outcomes: readonly PageOutcome[], pageCount: number, localNow: Date): SnapshotVerdict {
  const pages: SweepPage[] = [];
  for (let number = 1; number <= pageCount; number += 1) {
    const outcome = outcomes.find((o) => (o.ok ? o.page.page : o.page) === number);
    if (!outcome) return { consistent: false, reason: `page ${number} missing` };
    if (!outcome.ok) return { consistent: false, reason: `page ${number} failed: ${outcome.reason}` };
    pages.push(outcome.page);
  }
  const rows: ParsedListingRow[] = [];
  for (const page of pages) {
    if (page.rows === null) return { consistent: false, reason: `page ${page.page} is not an array` };
    if (page.xPages !== null && page.xPages !== pageCount) {
      return { consistent: false, reason: `page ${page.page} says X-Pages ${page.xPages}, page 1 said ${pageCount}` };
    }
    const isLast = page.page === pageCount;
    const count = page.rows.length;
    if (!isLast && count !== LISTING_PAGE_SIZE) return { consistent: false, reason: `page ${page.page} has ${count} rows` };
    if (isLast && (count > LISTING_PAGE_SIZE || (count === 0 && pageCount > 1))) {
      return { consistent: false, reason: `last page ${page.page} has ${count} rows` };
    }
    for (const row of page.rows) rows.push(row);
  }

  const warnings: string[] = [];
  const stamped = pages.filter((p) => p.lastModified !== null);
  let snapshotAt: Date | null;
  if (stamped.length === 0) {
    warnings.push('no listing page carries Last-Modified; using page 1 Date as the snapshot time');
    snapshotAt = httpDate(pages[0]!.date) ?? new Date(Math.floor(localNow.getTime() / 1000) * 1000);
  } else if (stamped.length !== pages.length) {
    return { consistent: false, reason: 'Last-Modified on some pages only' };
  } else {
    const first = stamped[0]!.lastModified;
    if (stamped.some((p) => p.lastModified !== first)) return { consistent: false, reason: 'pages carry different Last-Modified' };
    snapshotAt = httpDate(first);
    if (snapshotAt === null) return { consistent: false, reason: 'Last-Modified is not an HTTP date' };
  }

  const seen = new Set<number>();
  for (const row of rows) {
    const id = row.ok ? row.row.contractId : row.contractId;
    if (id === null) continue;
    if (seen.has(id)) return { consistent: false, reason: `contract ${id} appears twice` };
    seen.add(id);
  }
  return { consistent: true, snapshotAt, rows, warnings };
}
