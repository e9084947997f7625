import { z } from 'zod';

export { isNameEligible, isNpcStation, isStructureLocation } from './id-classes.js';

/*
 * Tolerant ESI payload schemas (docs/sync.md §2): z.object strips unknown fields instead of rejecting
 * them, enum-like strings are kept raw, and absent optionals become null. Absent is not false or
 * zero: only `for_corporation` (→ false) and `collateral` (→ 0) have defaults. ESI never sends
 * null, but a null is read as absent rather than failing the row.
 */

/** int64 ids: exact only as safe integers, so anything beyond 2^53 makes the row invalid. */
const id = z.int();
const optionalId = id.nullish().transform((value) => value ?? null);
const optionalNumber = z.number().nullish().transform((value) => value ?? null);
// Stored in `integer` columns: an out-of-range value fails its row here, not the whole batch insert.
const optionalInt32 = z.int32().nullish().transform((value) => value ?? null);
const dateTime = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const listingRowSchema = z
  .object({
    contract_id: id,
    type: z.string(),
    issuer_id: id,
    issuer_corporation_id: id,
    date_issued: dateTime,
    date_expired: dateTime,
    price: optionalNumber,
    buyout: optionalNumber,
    reward: optionalNumber,
    collateral: z.number().nullish().transform((value) => value ?? 0),
    days_to_complete: optionalInt32,
    start_location_id: optionalId,
    end_location_id: optionalId,
    for_corporation: z.boolean().nullish().transform((value) => value ?? false),
    title: z.string().nullish().transform((value) => value ?? null),
    volume: optionalNumber,
  })
  .transform((row) => ({
    contractId: row.contract_id,
    // Raw, even outside ESI's enum: the API counts unknown values as `unknown` (docs/sync.md §2.1).
    type: row.type,
    issuerId: row.issuer_id,
    issuerCorporationId: row.issuer_corporation_id,
    dateIssued: row.date_issued,
    dateExpired: row.date_expired,
    price: row.price,
    buyout: row.buyout,
    reward: row.reward,
    collateral: row.collateral,
    daysToComplete: row.days_to_complete,
    startLocationId: row.start_location_id,
    endLocationId: row.end_location_id,
    forCorporation: row.for_corporation,
    title: row.title,
    volume: row.volume,
  }));

const itemRowSchema = z
  .object({
    record_id: id,
    type_id: id,
    quantity: z.int(),
    is_included: z.boolean(),
    // True or absent in practice; absent → null (not known to be a copy), a real false stays false.
    is_blueprint_copy: z.boolean().nullish().transform((value) => value ?? null),
    item_id: optionalId,
    runs: optionalInt32,
    material_efficiency: optionalInt32,
    time_efficiency: optionalInt32,
  })
  .transform((row) => ({
    recordId: row.record_id,
    typeId: row.type_id,
    quantity: row.quantity,
    isIncluded: row.is_included,
    isBlueprintCopy: row.is_blueprint_copy,
    itemId: row.item_id,
    runs: row.runs,
    materialEfficiency: row.material_efficiency,
    timeEfficiency: row.time_efficiency,
  }));

const bidRowSchema = z
  .object({
    bid_id: id,
    amount: z.number(),
    date_bid: dateTime,
  })
  .transform((row) => ({ bidId: row.bid_id, amount: row.amount, dateBid: row.date_bid }));

export type ListingRow = z.output<typeof listingRowSchema>;
export type ItemRow = z.output<typeof itemRowSchema>;
export type BidRow = z.output<typeof bidRowSchema>;

export type ParsedListingRow =
  | { readonly ok: true; readonly row: ListingRow }
  /** `contractId` is set when the row's id is usable, so the row still counts as seen (docs/sync.md §5.1 step 8). */
  | { readonly ok: false; readonly contractId: number | null; readonly field: string; readonly reason: string };

export type ParsedItemRow =
  | { readonly ok: true; readonly row: ItemRow }
  | { readonly ok: false; readonly recordId: number | null; readonly field: string; readonly reason: string };

export type ParsedBidRow =
  | { readonly ok: true; readonly row: BidRow }
  | { readonly ok: false; readonly bidId: number | null; readonly field: string; readonly reason: string };

function firstIssue(error: z.ZodError): { field: string; reason: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '(row)', reason: 'invalid' };
  return { field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(row)', reason: issue.message };
}

function usableId(raw: unknown, key: string): number | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const value = (raw as Record<string, unknown>)[key];
  return id.safeParse(value).success ? (value as number) : null;
}

/** One E1 row; failures name the first bad field and never carry the payload (logs must not). */
export function parseListingRow(raw: unknown): ParsedListingRow {
  const result = listingRowSchema.safeParse(raw);
  if (result.success) return { ok: true, row: result.data };
  return { ok: false, contractId: usableId(raw, 'contract_id'), ...firstIssue(result.error) };
}

/** One E2 row; an invalid row fails its contract's whole item fetch (docs/sync.md §5.4). */
export function parseItemRow(raw: unknown): ParsedItemRow {
  const result = itemRowSchema.safeParse(raw);
  if (result.success) return { ok: true, row: result.data };
  return { ok: false, recordId: usableId(raw, 'record_id'), ...firstIssue(result.error) };
}

/** One E9 row; an invalid row is skipped on its own, the contract's other bids are kept (docs/extensions.md §2). */
export function parseBidRow(raw: unknown): ParsedBidRow {
  const result = bidRowSchema.safeParse(raw);
  if (result.success) return { ok: true, row: result.data };
  return { ok: false, bidId: usableId(raw, 'bid_id'), ...firstIssue(result.error) };
}

/** E3 response. `category` is kept raw: a new category must not fail a whole names chunk. */
export const namesResponseSchema = z.array(
  z.object({
    id,
    name: z.string(),
    category: z.string(),
  }),
);

/** E4. */
export const stationSchema = z.object({
  station_id: id,
  name: z.string(),
  system_id: id,
});

/** E5; `market_group_id` is absent on many non-market types (blueprints of faction ships, planets). */
export const typeSchema = z.object({
  type_id: id,
  name: z.string(),
  group_id: id,
  market_group_id: optionalId,
});

/** E6. */
export const groupSchema = z.object({
  group_id: id,
  name: z.string(),
  category_id: id,
});

/** E7. */
export const categorySchema = z.object({
  category_id: id,
  name: z.string(),
});

/**
 * E8 `GET /universe/regions`: every region id of New Eden. Unlike the object routes, a bad element
 * fails the whole list: a list missing a region would silently stop its sync, so the caller keeps
 * the set it has instead.
 */
export const regionIdsSchema = z.array(id).min(1);

export type NamesResponse = z.output<typeof namesResponseSchema>;
export type Station = z.output<typeof stationSchema>;
export type EsiType = z.output<typeof typeSchema>;
export type Group = z.output<typeof groupSchema>;
export type Category = z.output<typeof categorySchema>;
