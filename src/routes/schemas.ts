import { z } from 'zod';
import { contractTypeSchema } from '../services/contract-query.params.js';

// Wire schemas for the OpenAPI document. Their component ids and shapes mirror the web client's
// reference document (shared/data/upstream/openapi.json) so its generated types keep compiling.
// Responses are serialized by the services; these schemas document them and the tests validate
// real bodies against the reference document itself.

const int64 = () => z.int().meta({ format: 'int64', minimum: undefined, maximum: undefined });
// A count or small integer: zod's default safe-integer bounds would only add noise to the document.
const count = () => z.int().meta({ minimum: undefined, maximum: undefined });
// Nullable fields use .nullish(): the reference document lists only non-nullable fields as
// required, and generated client types follow that (`x?: T | null`).
const timestamp = () => z.string().meta({ format: 'date-time' });

export const blueprintSummarySchema = z
  .object({
    runs: int64().nullish(),
    material_efficiency: int64().nullish(),
    time_efficiency: int64().nullish(),
    copy_count: count(),
  })
  .meta({ id: 'BlueprintSummary', description: 'The blueprint terms of a contract offering copies.' });

export const compositionCategorySchema = z
  .object({ category_id: int64().nullish(), name: z.string().nullish(), item_row_count: count() })
  .meta({ id: 'CompositionCategory', description: "One category's share of a contract's offered item rows." });

export const compositionSummarySchema = z
  .object({
    categories: z.array(compositionCategorySchema),
    total_item_rows: count(),
    total_volume: z.number().nullish(),
  })
  .meta({ id: 'CompositionSummary', description: 'What a multi-item contract is made of.' });

const contractFields = {
  contract_id: int64(),
  issuer_id: int64(),
  issuer_corporation_id: int64(),
  start_location_id: int64().nullish(),
  start_location_system_id: int64().nullish(),
  end_location_id: int64().nullish(),
  type: z.string(),
  title: z.string().nullish(),
  for_corporation: z.boolean(),
  date_issued: timestamp(),
  date_expired: timestamp(),
  price: z.number().nullish(),
  collateral: z.number(),
  reward: z.number().nullish(),
  volume: z.number().nullish(),
  buyout: z.number().nullish(),
  days_to_complete: int64().nullish(),
  reward_per_volume: z.number().nullish(),
  start_location_name: z.string().nullish(),
  end_location_name: z.string().nullish(),
  issuer_name: z.string().nullish(),
  issuer_corporation_name: z.string().nullish(),
  last_seen_at: timestamp().nullish(),
  is_ship_contract: z.boolean(),
  is_blueprint_copy_contract: z.boolean(),
  primary_label: z.string(),
  composition: compositionSummarySchema.nullish(),
  blueprint_summary: blueprintSummarySchema.nullish(),
  // Extensions (additive: the reference document's schemas allow more properties).
  current_bid: z.number().nullish().describe('Auctions: the highest known bid; null without a known bid and for every other type.'),
  bid_count: count().nullish().describe('Auctions: the number of known bids (0 once fetched with none); null while never fetched and for every other type.'),
  bids_checked_at: timestamp().nullish().describe('Auctions: when the bids were last fetched successfully.'),
  end_location_system_id: int64().nullish().describe('Solar system of the end location (NPC stations only).'),
  route_jumps: count().nullish().describe('Fewest stargate jumps from the start to the end system; null when unknown or unreachable.'),
  route_jumps_highsec: count().nullish().describe('Fewest jumps through high-sec systems only; null when there is no such route.'),
  reward_per_jump: z.number().nullish().describe('Couriers: reward ÷ max(route_jumps, 1).'),
};

export const contractListItemSchema = z
  .object(contractFields)
  .meta({ id: 'ContractListItemSchema', description: 'A contract as it appears in a list row: a summary, carrying no item array.' });

export const contractItemSchema = z
  .object({
    record_id: int64(),
    type_id: int64(),
    quantity: int64(),
    is_included: z.boolean(),
    is_blueprint_copy: z.boolean().nullish(),
    type_name: z.string().nullish(),
    category: z.string().nullish(),
    market_group_id: int64().nullish(),
    runs: int64().nullish(),
    material_efficiency: int64().nullish(),
    time_efficiency: int64().nullish(),
    category_id: int64().nullish(),
    group_id: int64().nullish(),
  })
  .meta({ id: 'ContractItemSchema', description: 'An item within a contract.' });

export const contractBidSchema = z
  .object({ bid_id: int64(), amount: z.number(), date_bid: timestamp() })
  .meta({ id: 'ContractBid', description: 'A known bid on an auction.' });

export const contractDetailSchema = z
  .object({
    ...contractFields,
    items: z.array(contractItemSchema).optional().meta({ default: [] }),
    bids: z.array(contractBidSchema).optional().describe('Known bids, amount descending then bid_id ascending; [] for other types.'),
  })
  .meta({ id: 'ContractDetailSchema', description: 'A single contract with all its items, offered and requested.' });

export const coverageInfoSchema = z
  .object({ ingested_region_ids: z.array(int64()), as_of: timestamp().nullish() })
  .meta({ id: 'CoverageInfo', description: 'Which regions the corpus holds, and how fresh the newest of them is.' });

export const contractListResponseSchema = z
  .object({
    total: count(),
    page: int64(),
    size: count(),
    items: z.array(contractListItemSchema),
    unknown_system_excluded: count().nullish(),
    segment_counts: z.record(contractTypeSchema, count()),
    coverage: coverageInfoSchema,
  })
  .meta({ id: 'ContractListResponse', description: 'A page of contracts plus the figures that make the page readable in context.' });

export const taxonomyCoverageSchema = z.enum(['partial', 'complete']).meta({ id: 'TaxonomyCoverage' });

export const taxonomyResponseSchema = z
  .object({
    categories: z.array(z.object({ category_id: int64(), name: z.string() }).meta({ id: 'TaxonomyCategory' })),
    groups: z.array(
      z.object({ group_id: int64(), category_id: int64().nullish(), name: z.string() }).meta({ id: 'TaxonomyGroup' }),
    ),
    coverage: taxonomyCoverageSchema,
  })
  .meta({ id: 'TaxonomyResponse', description: 'The option lists behind the category and group filters, plus their readiness.' });

export const validationErrorSchema = z
  .object({
    type: z.string(),
    loc: z.array(z.union([z.string(), count()])),
    msg: z.string(),
    input: z.unknown().optional(),
    ctx: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'ValidationError' });

export const httpValidationErrorSchema = z
  .object({ detail: z.array(validationErrorSchema).optional() })
  .meta({ id: 'HTTPValidationError' });

export const detailMessageSchema = z.object({ detail: z.string() });

export const readinessSchema = z.object({
  commit: z.string(),
  db: z.enum(['ok', 'error']),
  cache: z.enum(['ok', 'error']),
  last_ingest_age_seconds: z.number().nullable(),
  last_ingest_outcome: z.enum(['success', 'partial', 'failure']).nullable(),
  data_stale: z.boolean(),
  read_model: z
    .object({
      state: z.enum(['loading', 'ready', 'behind', 'failed', 'off']),
      generation: z.number().int().nullable(),
      open_contracts: z.number().int(),
      stored_contracts: z.number().int(),
      load_seconds: z.number().nullable(),
      held_details: z.number().int().describe('Details of closed contracts and auctions held in memory, as PostgreSQL gave them.'),
      details_to_read: z.number().int().describe('Such details still to be read after a load or a change.'),
    })
    .describe('The in-memory read model: "ready" answers lists from memory; any other state lets PostgreSQL answer.'),
  bids_backlog: z
    .object({
      due: z.number().int(),
      backing_off: z.number().int(),
      oldest_due_seconds: z.number().nullable(),
    })
    .nullable()
    .describe('Live auctions whose bids are due for a poll, backing off after a failed one, and how long the oldest has been due; null when unreadable.'),
});

export const contractIdParamsSchema = z.object({ contract_id: int64() });

const kindStatsSchema = z
  .object({ count: count(), min: z.number().nullable(), median: z.number().nullable(), max: z.number().nullable() })
  .meta({ id: 'ContractPriceKindStats', description: 'Unit prices of one kind of closure on one day; the lower median, no interpolation.' });

export const contractPricesResponseSchema = z
  .object({
    type_id: int64(),
    type_name: z.string().nullable(),
    current: z
      .object({ count: count(), min: z.number().nullable(), p25: z.number().nullable(), median: z.number().nullable() })
      .meta({ id: 'ContractPriceCurrent', description: 'Unit prices of the live single-type offers matching the parameters (rank ceil(q·n)).' }),
    history: z.array(
      z
        .object({ date: z.string().meta({ format: 'date' }), gone_early: kindStatsSchema, expired: kindStatsSchema })
        .meta({ id: 'ContractPriceDay', description: 'One UTC day with at least one observation.' }),
    ),
  })
  .meta({ id: 'ContractPricesResponse', description: 'Contract prices of one item type: live offers now and closed ones per day.' });
