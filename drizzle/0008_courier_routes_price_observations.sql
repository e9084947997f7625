CREATE TABLE "price_observations" (
	"contract_id" bigint PRIMARY KEY NOT NULL,
	"type_id" bigint NOT NULL,
	"region_id" bigint NOT NULL,
	"closed_day" date NOT NULL,
	"kind" text NOT NULL,
	"unit_price" double precision NOT NULL,
	"quantity" bigint NOT NULL,
	"is_blueprint_copy" boolean DEFAULT false NOT NULL,
	"runs" integer,
	"material_efficiency" integer,
	"time_efficiency" integer
);
--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "route_jumps" integer;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "route_jumps_highsec" integer;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "route_version" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "reward_per_jump" double precision GENERATED ALWAYS AS (CASE WHEN type = 'courier' AND reward IS NOT NULL AND route_jumps IS NOT NULL THEN reward / GREATEST(route_jumps, 1) END) STORED;--> statement-breakpoint
CREATE INDEX "price_observations_type_day_idx" ON "price_observations" USING btree ("type_id","closed_day");--> statement-breakpoint
CREATE INDEX "price_observations_day_idx" ON "price_observations" USING btree ("closed_day");--> statement-breakpoint
CREATE INDEX "contracts_open_reward_per_jump_asc_idx" ON "contracts" USING btree ("reward_per_jump","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_reward_per_jump_desc_idx" ON "contracts" USING btree ("reward_per_jump" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_route_jumps_asc_idx" ON "contracts" USING btree ("route_jumps","contract_id") WHERE closed_at IS NULL;--> statement-breakpoint
CREATE INDEX "contracts_open_route_jumps_desc_idx" ON "contracts" USING btree ("route_jumps" DESC NULLS LAST,"contract_id") WHERE closed_at IS NULL;