/** The list answer's body (api.md §6.10) from its parts, for the read model and the SQL path alike. */
import type { ListCounts } from './segment-counts.js';
import { formatTimestamp, toContractListRow, type RawContractRow } from './contract-wire.js';

export interface ListBodyParts {
  readonly counts: ListCounts;
  /** The page's rows, each already JSON (api.md §7). */
  readonly rows: readonly string[];
  readonly page: bigint;
  readonly size: number;
  readonly coverage: { readonly ingestedRegionIds: readonly number[]; readonly asOf: string | null };
}

/** A list row as JSON: the one rendering both paths use, so their bytes cannot differ. */
export function listRowJson(row: RawContractRow): string {
  return JSON.stringify(toContractListRow(row));
}

/** Postgres text of the newest sighting → the wire timestamp (or null). */
export function coverageAsOf(text: string | null): string | null {
  return text === null ? null : formatTimestamp(text);
}

/** Assembled by hand so `page` keeps every digit of an int64 (JSON.stringify has no bigint). */
export function renderListBody(parts: ListBodyParts): string {
  const { counts } = parts;
  return (
    `{"total":${counts.total},"page":${parts.page.toString()},"size":${parts.size}` +
    `,"items":[${parts.rows.join(',')}]` +
    `,"unknown_system_excluded":${JSON.stringify(counts.unknownSystemExcluded)}` +
    `,"segment_counts":${JSON.stringify(counts.segmentCounts)}` +
    `,"coverage":${JSON.stringify({ ingested_region_ids: parts.coverage.ingestedRegionIds, as_of: parts.coverage.asOf })}}`
  );
}
