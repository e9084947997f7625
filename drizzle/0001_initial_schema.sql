CREATE TABLE "contract_items" (
	"contract_id" bigint NOT NULL,
	"record_id" bigint NOT NULL,
	"type_id" bigint NOT NULL,
	"quantity" bigint NOT NULL,
	"is_included" boolean NOT NULL,
	"is_blueprint_copy" boolean,
	"item_id" bigint,
	"runs" integer,
	"material_efficiency" integer,
	"time_efficiency" integer,
	"type_name" text,
	"group_id" bigint,
	"category_id" bigint,
	"market_group_id" bigint,
	"category" text,
	CONSTRAINT "contract_items_contract_id_record_id_pk" PRIMARY KEY("contract_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"contract_id" bigint PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"title" text,
	"for_corporation" boolean DEFAULT false NOT NULL,
	"issuer_id" bigint NOT NULL,
	"issuer_corporation_id" bigint NOT NULL,
	"start_location_id" bigint,
	"end_location_id" bigint,
	"date_issued" timestamp with time zone NOT NULL,
	"date_expired" timestamp with time zone NOT NULL,
	"price" double precision,
	"collateral" double precision DEFAULT 0 NOT NULL,
	"reward" double precision,
	"volume" double precision,
	"buyout" double precision,
	"days_to_complete" integer,
	"region_id" bigint NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"close_reason" text,
	"start_location_system_id" bigint,
	"end_location_system_id" bigint,
	"issuer_name" text,
	"issuer_corporation_name" text,
	"start_location_name" text,
	"end_location_name" text,
	"items_status" text DEFAULT 'pending' NOT NULL,
	"items_http_status" smallint,
	"items_attempts" integer DEFAULT 0 NOT NULL,
	"items_next_attempt_at" timestamp with time zone,
	"items_fetched_at" timestamp with time zone,
	"enrichment_status" text DEFAULT 'pending' NOT NULL,
	"enrichment_version" integer DEFAULT 0 NOT NULL,
	"enrichment_attempts" integer DEFAULT 0 NOT NULL,
	"enrichment_next_attempt_at" timestamp with time zone,
	"is_ship_contract" boolean DEFAULT false NOT NULL,
	"is_blueprint_copy_contract" boolean DEFAULT false NOT NULL,
	"primary_label" text NOT NULL,
	"primary_label_sort" text COLLATE "C" NOT NULL,
	"composition" jsonb,
	"blueprint_summary" jsonb,
	"search_text" text DEFAULT '' NOT NULL,
	"reward_per_volume" double precision GENERATED ALWAYS AS (CASE WHEN volume IS NULL OR volume = 0 THEN NULL ELSE reward / volume END) STORED,
	"segment" text GENERATED ALWAYS AS (CASE WHEN type IN ('item_exchange', 'auction', 'courier', 'loan') THEN type ELSE 'unknown' END) STORED
);
--> statement-breakpoint
CREATE TABLE "esi_categories" (
	"category_id" bigint PRIMARY KEY NOT NULL,
	"name" text,
	"not_found_until" timestamp with time zone,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "esi_groups" (
	"group_id" bigint PRIMARY KEY NOT NULL,
	"name" text,
	"category_id" bigint,
	"not_found_until" timestamp with time zone,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "esi_names" (
	"id" bigint PRIMARY KEY NOT NULL,
	"name" text,
	"category" text,
	"expires_at" timestamp with time zone,
	"unresolvable" boolean DEFAULT false NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "esi_stations" (
	"station_id" bigint PRIMARY KEY NOT NULL,
	"name" text,
	"system_id" bigint,
	"not_found_until" timestamp with time zone,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "esi_types" (
	"type_id" bigint PRIMARY KEY NOT NULL,
	"name" text,
	"group_id" bigint,
	"market_group_id" bigint,
	"not_found_until" timestamp with time zone,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_regions" (
	"region_id" bigint PRIMARY KEY NOT NULL,
	"next_poll_at" timestamp with time zone,
	"last_snapshot_at" timestamp with time zone,
	"open_count" integer DEFAULT 0 NOT NULL,
	"page_count" integer,
	"possibly_truncated" boolean DEFAULT false NOT NULL,
	"hold_since" timestamp with time zone,
	"last_outcome" text,
	"last_detail" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sync_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" bigint,
	"scope" text NOT NULL,
	"trigger" text NOT NULL,
	"region_id" bigint,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text,
	"detail" text,
	"pages_fetched" integer DEFAULT 0 NOT NULL,
	"pages_not_modified" integer DEFAULT 0 NOT NULL,
	"contracts_seen" integer DEFAULT 0 NOT NULL,
	"contracts_new" integer DEFAULT 0 NOT NULL,
	"contracts_closed" integer DEFAULT 0 NOT NULL,
	"contracts_reopened" integer DEFAULT 0 NOT NULL,
	"items_fetched" integer DEFAULT 0 NOT NULL,
	"item_rows" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"esi_requests" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"generation" bigint DEFAULT 0 NOT NULL,
	"generation_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_state_singleton" CHECK (id = 1)
);
--> statement-breakpoint
ALTER TABLE "contract_items" ADD CONSTRAINT "contract_items_contract_id_contracts_contract_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("contract_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contract_items_offered_type_idx" ON "contract_items" USING btree ("type_id","contract_id") WHERE is_included;--> statement-breakpoint
CREATE INDEX "contract_items_offered_category_idx" ON "contract_items" USING btree ("category_id","contract_id") WHERE is_included;--> statement-breakpoint
CREATE INDEX "contract_items_offered_group_idx" ON "contract_items" USING btree ("group_id","contract_id") WHERE is_included;--> statement-breakpoint
CREATE INDEX "contract_items_offered_runs_idx" ON "contract_items" USING btree ("runs","contract_id") WHERE is_included AND runs IS NOT NULL;--> statement-breakpoint
CREATE INDEX "contract_items_offered_me_idx" ON "contract_items" USING btree ("material_efficiency","contract_id") WHERE is_included AND material_efficiency IS NOT NULL;--> statement-breakpoint
CREATE INDEX "contract_items_offered_te_idx" ON "contract_items" USING btree ("time_efficiency","contract_id") WHERE is_included AND time_efficiency IS NOT NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_date_issued_asc_idx" ON "contracts" USING btree ("date_issued","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_date_issued_desc_idx" ON "contracts" USING btree ("date_issued" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_date_expired_asc_idx" ON "contracts" USING btree ("date_expired","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_date_expired_desc_idx" ON "contracts" USING btree ("date_expired" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_price_asc_idx" ON "contracts" USING btree ("price","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_price_desc_idx" ON "contracts" USING btree ("price" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_collateral_asc_idx" ON "contracts" USING btree ("collateral","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_collateral_desc_idx" ON "contracts" USING btree ("collateral" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_ship_name_asc_idx" ON "contracts" USING btree ("primary_label_sort","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_ship_name_desc_idx" ON "contracts" USING btree ("primary_label_sort" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_volume_asc_idx" ON "contracts" USING btree ("volume","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_volume_desc_idx" ON "contracts" USING btree ("volume" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_reward_per_volume_asc_idx" ON "contracts" USING btree ("reward_per_volume","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_reward_per_volume_desc_idx" ON "contracts" USING btree ("reward_per_volume" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_days_to_complete_asc_idx" ON "contracts" USING btree ("days_to_complete","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_days_to_complete_desc_idx" ON "contracts" USING btree ("days_to_complete" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_buyout_asc_idx" ON "contracts" USING btree ("buyout","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_buyout_desc_idx" ON "contracts" USING btree ("buyout" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_ship_date_issued_idx" ON "contracts" USING btree ("is_ship_contract","date_issued" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_region_idx" ON "contracts" USING btree ("region_id","date_issued" DESC NULLS LAST) WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_system_idx" ON "contracts" USING btree ("start_location_system_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_station_idx" ON "contracts" USING btree ("start_location_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_segment_idx" ON "contracts" USING btree ("segment","date_issued" DESC NULLS LAST) WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_bpc_idx" ON "contracts" USING btree ("is_blueprint_copy_contract","date_issued" DESC NULLS LAST) WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_expiry_idx" ON "contracts" USING btree ("date_expired") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_region_last_seen_idx" ON "contracts" USING btree ("region_id","last_seen_at");--> statement-breakpoint
CREATE INDEX "contracts_search_trgm_idx" ON "contracts" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contracts_items_queue_idx" ON "contracts" USING btree ("date_issued" DESC NULLS LAST,"contract_id" DESC NULLS LAST) WHERE closed_at IS NULL AND items_status = 'pending';--> statement-breakpoint
CREATE INDEX "contracts_enrichment_queue_idx" ON "contracts" USING btree ("enrichment_status","enrichment_version") WHERE items_status = 'fetched';--> statement-breakpoint
CREATE INDEX "contracts_closed_at_idx" ON "contracts" USING btree ("closed_at") WHERE closed_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "esi_names_expires_idx" ON "esi_names" USING btree ("expires_at") WHERE expires_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "sync_runs_finished_idx" ON "sync_runs" USING btree ("scope","finished_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sync_runs_run_id_idx" ON "sync_runs" USING btree ("run_id");