import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** Bumped whenever the layout changes, so entries written by an older build read as misses. */
const FORMAT_VERSION = 1;
const HEADER_LENGTH_BYTES = 4;

export interface ListingPageMeta {
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** Epoch ms after which ESI may have regenerated the page. */
  readonly expiresAt: number;
  readonly xPages: number | null;
  readonly rowCount: number;
}

export interface StoredListingPage extends ListingPageMeta {
  /** The gzip-compressed raw body as ESI sent it (decompressed by the client, re-compressed here). */
  readonly gzippedBody: Buffer;
}

/** A stored page whose body decompressed and parsed: only these justify `If-None-Match` (docs/sync.md §3.4). */
export interface UsableListingPage extends StoredListingPage {
  readonly json: unknown;
}

/** Layout: u32 big-endian length of a JSON metadata header, the header, then the gzipped body. */
export async function encodeListingPage(meta: ListingPageMeta, rawBody: Buffer): Promise<Buffer> {
  return encodeStored({ ...meta, gzippedBody: await gzip(rawBody) });
}

export function encodeStored(page: StoredListingPage): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      v: FORMAT_VERSION,
      etag: page.etag,
      lastModified: page.lastModified,
      expiresAt: page.expiresAt,
      xPages: page.xPages,
      rowCount: page.rowCount,
    }),
    'utf8',
  );
  const length = Buffer.alloc(HEADER_LENGTH_BYTES);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, page.gzippedBody]);
}

function nullableString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The stored entry, or null when it is missing, corrupt, from another format, or its body does not parse. */
export async function decodeUsableListingPage(entry: Buffer | null): Promise<UsableListingPage | null> {
  if (entry === null || entry.length < HEADER_LENGTH_BYTES) return null;
  try {
    const headerLength = entry.readUInt32BE(0);
    if (HEADER_LENGTH_BYTES + headerLength > entry.length) return null;
    const header = JSON.parse(entry.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength).toString('utf8')) as Record<string, unknown>;
    if (header.v !== FORMAT_VERSION || typeof header.expiresAt !== 'number' || typeof header.rowCount !== 'number') return null;
    const gzippedBody = entry.subarray(HEADER_LENGTH_BYTES + headerLength);
    const raw = await gunzip(gzippedBody);
    // An empty stored body would turn a 304 into an empty page, which must never happen.
    if (raw.length === 0) return null;
    const json: unknown = JSON.parse(raw.toString('utf8'));
    const xPages = header.xPages;
    return {
      etag: nullableString(header.etag),
      lastModified: nullableString(header.lastModified),
      expiresAt: header.expiresAt,
      xPages: typeof xPages === 'number' && Number.isSafeInteger(xPages) && xPages > 0 ? xPages : null,
      rowCount: header.rowCount,
      gzippedBody,
      json,
    };
  } catch {
    return null;
  }
}
