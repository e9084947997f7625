import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  type ExtraConfigColumn,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type { BlueprintSummary, CompositionSummary } from '../domain/derived-fields.js';

// Every EVE id is int64 in ESI; all ids stored are below 2^53, so they are read as JS numbers
// (the serializer asserts Number.isSafeInteger) and bound as bigint/strings where they come from users.
const id = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

const OPEN = sql`closed_at IS NULL`;

const textCollateC = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });
/** A full transaction id (PostgreSQL 13+), read as its decimal text. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

export const contracts = pgTable(
  'contracts',
  {
    contractId: id('contract_id').primaryKey(),
    // ESI facts: written at insert, never updated (docs/sync.md §1 I1).
    type: text('type').notNull(),
    title: text('title'),
    forCorporation: boolean('for_corporation').notNull().default(false),
    issuerId: id('issuer_id').notNull(),
    issuerCorporationId: id('issuer_corporation_id').notNull(),
    startLocationId: id('start_location_id'),
    endLocationId: id('end_location_id'),
    dateIssued: instant('date_issued').notNull(),
    dateExpired: instant('date_expired').notNull(),
    price: doublePrecision('price'),
    collateral: doublePrecision('collateral').notNull().default(0),
    reward: doublePrecision('reward'),
    volume: doublePrecision('volume'),
    buyout: doublePrecision('buyout'),
    daysToComplete: integer('days_to_complete'),

    // Listing state.
    regionId: id('region_id').notNull(),
    firstSeenAt: instant('first_seen_at').notNull(),
    lastSeenAt: instant('last_seen_at').notNull(),
    closedAt: instant('closed_at'),
    closeReason: text('close_reason'),

    // Resolution.
    startLocationSystemId: id('start_location_system_id'),
    endLocationSystemId: id('end_location_system_id'),
    issuerName: text('issuer_name'),
    issuerCorporationName: text('issuer_corporation_name'),
    startLocationName: text('start_location_name'),
    endLocationName: text('end_location_name'),

    // Items queue state (docs/sync.md §5.4).
    itemsStatus: text('items_status').notNull().default('pending'),
    itemsHttpStatus: smallint('items_http_status'),
    itemsAttempts: integer('items_attempts').notNull().default(0),
    itemsNextAttemptAt: instant('items_next_attempt_at'),
    itemsFetchedAt: instant('items_fetched_at'),

    // Enrichment state (docs/sync.md §5.5).
    enrichmentStatus: text('enrichment_status').notNull().default('pending'),
    enrichmentVersion: integer('enrichment_version').notNull().default(0),
    enrichmentAttempts: integer('enrichment_attempts').notNull().default(0),
    enrichmentNextAttemptAt: instant('enrichment_next_attempt_at'),

    // Derived list fields, written by the sync so list pages never read items (docs/api.md §12).
    isShipContract: boolean('is_ship_contract').notNull().default(false),
    isBlueprintCopyContract: boolean('is_blueprint_copy_contract').notNull().default(false),
    primaryLabel: text('primary_label').notNull(),
    // COLLATE "C": ship_name sorts by code point of the JS-lowercased label, not by locale.
    primaryLabelSort: textCollateC('primary_label_sort').notNull(),
    composition: jsonb('composition').$type<CompositionSummary>(),
    blueprintSummary: jsonb('blueprint_summary').$type<BlueprintSummary>(),
    searchText: text('search_text').notNull().default(''),
    rewardPerVolume: doublePrecision('reward_per_volume').generatedAlwaysAs(
      sql`CASE WHEN volume IS NULL OR volume = 0 THEN NULL ELSE reward / volume END`,
    ),
    // Courier routes over the shipped star map (src/map), written by the sync's route step once both
    // systems are known; route_version says which map computed them (0: not yet).
    routeJumps: integer('route_jumps'),
    routeJumpsHighsec: integer('route_jumps_highsec'),
    routeVersion: smallint('route_version').notNull().default(0),
    // sort_by=current_price (docs/api.md §14): what an auction stands at, else the asking price.
    currentPrice: doublePrecision('current_price').generatedAlwaysAs(
      sql`CASE WHEN type = 'auction' THEN COALESCE(current_bid, price) ELSE price END`,
    ),
    rewardPerJump: doublePrecision('reward_per_jump').generatedAlwaysAs(
      sql`CASE WHEN type = 'courier' AND reward IS NOT NULL AND route_jumps IS NOT NULL THEN reward / GREATEST(route_jumps, 1) END`,
    ),
    // Auction bids (docs/extensions.md §2): what the API shows, kept equal to contract_bids in the
    // transaction that writes them. bid_count null = never fetched, 0 = fetched and none.
    currentBid: doublePrecision('current_bid'),
    bidCount: integer('bid_count'),
    bidsCheckedAt: instant('bids_checked_at'),
    // Bids polling state: null for every type but auctions, else 'pending' (never fetched),
    // 'fetched' or 'terminal' (E9 answered 204/403/404: never polled again). bids_next_poll_at is
    // the previous response's expiry (or the backoff after a failure); null = due at once.
    bidsStatus: text('bids_status'),
    bidsHttpStatus: smallint('bids_http_status'),
    bidsEtag: text('bids_etag'),
    bidsNextPollAt: instant('bids_next_poll_at'),
    bidsAttempts: integer('bids_attempts').notNull().default(0),
    // The API's segment key: stored types outside the enum count and filter as 'unknown'.
    segment: text('segment').generatedAlwaysAs(
      sql`CASE WHEN type IN ('item_exchange', 'auction', 'courier', 'loan') THEN type ELSE 'unknown' END`,
    ),
  },
  (t) => [
    // One ascending and one descending index per sort key, over open contracts, each ending in
    // contract_id ASC: the sort order is "key dir NULLS LAST, contract_id ASC" in both directions,
    // which a single index cannot serve backwards.
    ...sortIndexes('date_issued', t.dateIssued, t.contractId),
    ...sortIndexes('date_expired', t.dateExpired, t.contractId),
    ...sortIndexes('price', t.price, t.contractId),
    ...sortIndexes('collateral', t.collateral, t.contractId),
    ...sortIndexes('ship_name', t.primaryLabelSort, t.contractId),
    ...sortIndexes('volume', t.volume, t.contractId),
    ...sortIndexes('reward_per_volume', t.rewardPerVolume, t.contractId),
    ...sortIndexes('days_to_complete', t.daysToComplete, t.contractId),
    ...sortIndexes('buyout', t.buyout, t.contractId),
    ...sortIndexes('reward_per_jump', t.rewardPerJump, t.contractId),
    ...sortIndexes('route_jumps', t.routeJumps, t.contractId),
    ...sortIndexes('current_price', t.currentPrice, t.contractId),
    // The web client's default view: ship contracts by date.
    index('contracts_open_ship_date_issued_idx')
      .on(t.isShipContract, t.dateIssued.desc(), t.contractId.asc())
      .where(OPEN),
    index('contracts_open_region_idx').on(t.regionId, t.dateIssued.desc()).where(OPEN),
    index('contracts_open_system_idx').on(t.startLocationSystemId).where(OPEN),
    index('contracts_open_station_idx').on(t.startLocationId).where(OPEN),
    index('contracts_open_segment_idx').on(t.segment, t.dateIssued.desc()).where(OPEN),
    index('contracts_open_bpc_idx').on(t.isBlueprintCopyContract, t.dateIssued.desc()).where(OPEN),
    // Covers the grouped counts query (docs/api.md §6.5) for the contract-level filters, so counting the
    // live set is an index-only scan instead of a pass over wide heap rows.
    index('contracts_open_counts_idx')
      .on(
        t.dateExpired,
        t.segment,
        t.isShipContract,
        t.startLocationSystemId,
        t.regionId,
        t.isBlueprintCopyContract,
        t.price,
        t.collateral,
        t.startLocationId,
      )
      .where(OPEN),
    index('contracts_region_last_seen_idx').on(t.regionId, t.lastSeenAt),
    index('contracts_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
    index('contracts_items_queue_idx')
      .on(t.dateIssued.desc(), t.contractId.desc())
      .where(sql`closed_at IS NULL AND items_status = 'pending'`),
    // The due-bids queue: live auctions whose bids are still polled, ending soonest first.
    index('contracts_bids_queue_idx')
      .on(t.dateExpired, t.contractId)
      .where(sql`closed_at IS NULL AND type = 'auction' AND bids_status IN ('pending', 'fetched')`),
    index('contracts_enrichment_queue_idx')
      .on(t.enrichmentStatus, t.enrichmentVersion)
      .where(sql`items_status = 'fetched'`),
    index('contracts_closed_at_idx').on(t.closedAt).where(sql`closed_at IS NOT NULL`),
  ],
);

function sortIndexes(key: string, column: ExtraConfigColumn, contractId: ExtraConfigColumn) {
  return [
    index(`contracts_open_${key}_asc_idx`).on(column.asc().nullsLast(), contractId.asc()).where(OPEN),
    index(`contracts_open_${key}_desc_idx`).on(column.desc().nullsLast(), contractId.asc()).where(OPEN),
  ];
}

export const contractItems = pgTable(
  'contract_items',
  {
    contractId: id('contract_id')
      .notNull()
      .references(() => contracts.contractId, { onDelete: 'cascade' }),
    recordId: id('record_id').notNull(),
    typeId: id('type_id').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull(),
    isIncluded: boolean('is_included').notNull(),
    isBlueprintCopy: boolean('is_blueprint_copy'),
    itemId: id('item_id'),
    runs: integer('runs'),
    materialEfficiency: integer('material_efficiency'),
    timeEfficiency: integer('time_efficiency'),
    typeName: text('type_name'),
    groupId: id('group_id'),
    categoryId: id('category_id'),
    marketGroupId: id('market_group_id'),
    category: text('category'),
  },
  (t) => [
    // ESI only promises record_id unique within its contract.
    primaryKey({ columns: [t.contractId, t.recordId] }),
    // The offered-item EXISTS predicates of the list filters (docs/api.md §12).
    index('contract_items_offered_type_idx').on(t.typeId, t.contractId).where(sql`is_included`),
    index('contract_items_offered_category_idx').on(t.categoryId, t.contractId).where(sql`is_included`),
    index('contract_items_offered_group_idx').on(t.groupId, t.contractId).where(sql`is_included`),
    index('contract_items_offered_runs_idx').on(t.runs, t.contractId).where(sql`is_included AND runs IS NOT NULL`),
    index('contract_items_offered_me_idx')
      .on(t.materialEfficiency, t.contractId)
      .where(sql`is_included AND material_efficiency IS NOT NULL`),
    index('contract_items_offered_te_idx')
      .on(t.timeEfficiency, t.contractId)
      .where(sql`is_included AND time_efficiency IS NOT NULL`),
  ],
);

/**
 * Bids on public auctions (docs/extensions.md §2), keyed as ESI promises: bid_id within its
 * contract. Upserted idempotently and never deleted while the contract is stored; retention
 * deletes them with it.
 */
export const contractBids = pgTable(
  'contract_bids',
  {
    contractId: id('contract_id')
      .notNull()
      .references(() => contracts.contractId, { onDelete: 'cascade' }),
    bidId: id('bid_id').notNull(),
    amount: doublePrecision('amount').notNull(),
    dateBid: instant('date_bid').notNull(),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.bidId] })],
);

export const esiTypes = pgTable('esi_types', {
  typeId: id('type_id').primaryKey(),
  name: text('name'),
  groupId: id('group_id'),
  marketGroupId: id('market_group_id'),
  // A 404 is remembered for a day (docs/sync.md §5.5); null = resolved.
  notFoundUntil: instant('not_found_until'),
  fetchedAt: instant('fetched_at').notNull(),
});

export const esiGroups = pgTable('esi_groups', {
  groupId: id('group_id').primaryKey(),
  name: text('name'),
  categoryId: id('category_id'),
  notFoundUntil: instant('not_found_until'),
  fetchedAt: instant('fetched_at').notNull(),
});

export const esiCategories = pgTable('esi_categories', {
  categoryId: id('category_id').primaryKey(),
  name: text('name'),
  notFoundUntil: instant('not_found_until'),
  fetchedAt: instant('fetched_at').notNull(),
});

export const esiStations = pgTable('esi_stations', {
  stationId: id('station_id').primaryKey(),
  name: text('name'),
  systemId: id('system_id'),
  notFoundUntil: instant('not_found_until'),
  fetchedAt: instant('fetched_at').notNull(),
});

export const esiNames = pgTable(
  'esi_names',
  {
    id: id('id').primaryKey(),
    name: text('name'),
    category: text('category'),
    // null = never expires (stations, systems, types…); characters and corporations expire after 7 days.
    expiresAt: instant('expires_at'),
    unresolvable: boolean('unresolvable').notNull().default(false),
    fetchedAt: instant('fetched_at').notNull(),
  },
  (t) => [index('esi_names_expires_idx').on(t.expiresAt).where(sql`expires_at IS NOT NULL`)],
);

export const syncRegions = pgTable('sync_regions', {
  regionId: id('region_id').primaryKey(),
  nextPollAt: instant('next_poll_at'),
  lastSnapshotAt: instant('last_snapshot_at'),
  openCount: integer('open_count').notNull().default(0),
  pageCount: integer('page_count'),
  possiblyTruncated: boolean('possibly_truncated').notNull().default(false),
  holdSince: instant('hold_since'),
  lastOutcome: text('last_outcome'),
  lastDetail: text('last_detail'),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: bigint('run_id', { mode: 'number' }),
    scope: text('scope').notNull(),
    trigger: text('trigger').notNull(),
    regionId: id('region_id'),
    startedAt: instant('started_at').notNull(),
    finishedAt: instant('finished_at'),
    outcome: text('outcome'),
    detail: text('detail'),
    pagesFetched: integer('pages_fetched').notNull().default(0),
    pagesNotModified: integer('pages_not_modified').notNull().default(0),
    contractsSeen: integer('contracts_seen').notNull().default(0),
    contractsNew: integer('contracts_new').notNull().default(0),
    contractsClosed: integer('contracts_closed').notNull().default(0),
    contractsReopened: integer('contracts_reopened').notNull().default(0),
    itemsFetched: integer('items_fetched').notNull().default(0),
    itemRows: integer('item_rows').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    esiRequests: integer('esi_requests').notNull().default(0),
  },
  (t) => [
    index('sync_runs_finished_idx').on(t.scope, t.finishedAt.desc()),
    index('sync_runs_run_id_idx').on(t.runId),
  ],
);

/** Singleton row (id = 1): the data generation that drives ETags and cache keys (docs/api.md §4). */
export const syncState = pgTable(
  'sync_state',
  {
    id: smallint('id').primaryKey().default(1),
    generation: bigint('generation', { mode: 'number' }).notNull().default(0),
    generationChangedAt: instant('generation_changed_at').notNull().defaultNow(),
    // Every contract_changes row with xid ≤ this was pruned: a reader whose last snapshot could
    // have missed one of them must reload in full.
    changeLogFloor: xid8('change_log_floor'),
  },
  () => [check('sync_state_singleton', sql`id = 1`)],
);

/**
 * Singleton row (id = 1): what the sync worker's governor last knew of ESI (its error-limit budget
 * and any pause), written every few seconds so that any API process can show it on /status.
 */
export const esiStatus = pgTable(
  'esi_status',
  {
    id: smallint('id').primaryKey().default(1),
    errorLimitRemain: integer('error_limit_remain'),
    pausedUntil: instant('paused_until'),
    pauseReason: text('pause_reason'),
    pauseGroup: text('pause_group'),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  () => [check('esi_status_singleton', sql`id = 1`)],
);

/**
 * Which contracts changed in which transaction: one row per contract per writing statement, written
 * by triggers on contracts and contract_items (drizzle/0005) in the writer's own transaction, so
 * the API processes' read models can bring themselves up to a newer snapshot by reading only what
 * changed since their previous one. Pruned by the sync's retention after an hour
 * (CHANGE_LOG_RETENTION_SECONDS), raising sync_state.change_log_floor.
 */
export const contractChanges = pgTable(
  'contract_changes',
  {
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
    contractId: id('contract_id').notNull(),
    changedAt: instant('changed_at').notNull().defaultNow(),
  },
  (t) => [index('contract_changes_xid_idx').on(t.xid), index('contract_changes_changed_at_idx').on(t.changedAt)],
);

/**
 * What a contract that left the listing said about prices (the contract-price history): one row per
 * closed single-type offer, written in the closure transaction, keyed by the contract so a rerun
 * never writes it twice. No foreign key: observations outlive the contract's retention and are kept
 * PRICE_HISTORY_DAYS.
 */
export const priceObservations = pgTable(
  'price_observations',
  {
    contractId: id('contract_id').primaryKey(),
    typeId: id('type_id').notNull(),
    regionId: id('region_id').notNull(),
    closedDay: date('closed_day', { mode: 'string' }).notNull(),
    /** 'gone_early' or 'expired' (the contract's close_reason). */
    kind: text('kind').notNull(),
    unitPrice: doublePrecision('unit_price').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull(),
    isBlueprintCopy: boolean('is_blueprint_copy').notNull().default(false),
    runs: integer('runs'),
    materialEfficiency: integer('material_efficiency'),
    timeEfficiency: integer('time_efficiency'),
  },
  (t) => [index('price_observations_type_day_idx').on(t.typeId, t.closedDay), index('price_observations_day_idx').on(t.closedDay)],
);
