/** The list answer's body (docs/api.md §6.10) from its parts, for the read model and the SQL path alike. */
import { ByteWriter } from './byte-writer.js';
import type { ListCounts } from './segment-counts.js';
import { formatTimestamp, toContractListRow, type RawContractRow } from './contract-wire.js';

/** The page's rows, written as JSON (docs/api.md §7), comma-separated, on demand. */
export interface PageRows {
  readonly length: number;
  writeAll(writer: ByteWriter): void;
}

/** Rows already rendered (the SQL path's). */
export function renderedRows(rows: readonly Buffer[]): PageRows {
  return {
    length: rows.length,
    writeAll(writer) {
      rows.forEach((row, index) => {
        if (index > 0) writer.bytes(COMMA);
        writer.bytes(row);
      });
    },
  };
}

export interface ListBodyParts {
  readonly counts: ListCounts;
  readonly rows: PageRows;
  readonly page: bigint;
  readonly size: number;
  readonly coverage: { readonly ingestedRegionIds: readonly number[]; readonly asOf: string | null };
}

/** A list row as JSON: the rendering of the SQL path, the reference for the read model's. */
export function listRowJson(row: RawContractRow): Buffer {
  return Buffer.from(JSON.stringify(toContractListRow(row)));
}

const COMMA = new Uint8Array([0x2c]);
/** Room for a typical row, so the writer rarely grows. */
const BYTES_PER_ROW = 1100;

/** Postgres text of the newest sighting → the wire timestamp (or null). */
export function coverageAsOf(text: string | null): string | null {
  return text === null ? null : formatTimestamp(text);
}

/**
 * Assembled by hand so `page` keeps every digit of an int64 (JSON.stringify has no bigint), from
 * the rows' bytes as they are (no re-encoding of the page).
 */
export function renderListBody(parts: ListBodyParts): Buffer {
  const { counts } = parts;
  const head = `{"total":${counts.total},"page":${parts.page.toString()},"size":${parts.size},"items":[`;
  const tail =
    `],"unknown_system_excluded":${JSON.stringify(counts.unknownSystemExcluded)}` +
    `,"segment_counts":${JSON.stringify(counts.segmentCounts)}` +
    `,"coverage":${JSON.stringify({ ingested_region_ids: parts.coverage.ingestedRegionIds, as_of: parts.coverage.asOf })}}`;
  const writer = new ByteWriter(head.length + tail.length + parts.rows.length * BYTES_PER_ROW);
  writer.ascii(head);
  parts.rows.writeAll(writer);
  writer.text(tail);
  return writer.done();
}
