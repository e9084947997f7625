CREATE TABLE "contract_bids" (
	"contract_id" bigint NOT NULL,
	"bid_id" bigint NOT NULL,
	"amount" double precision NOT NULL,
	"date_bid" timestamp with time zone NOT NULL,
	CONSTRAINT "contract_bids_contract_id_bid_id_pk" PRIMARY KEY("contract_id","bid_id")
);
--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "current_bid" double precision;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bid_count" integer;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bids_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bids_status" text;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bids_http_status" smallint;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bids_etag" text;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bids_next_poll_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "bids_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "contract_bids" ADD CONSTRAINT "contract_bids_contract_id_contracts_contract_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("contract_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contracts_bids_queue_idx" ON "contracts" USING btree ("date_expired","contract_id") WHERE closed_at IS NULL AND type = 'auction' AND bids_status IN ('pending', 'fetched');--> statement-breakpoint
-- Hand-added: auctions stored before this migration enter the bids queue like new ones.
UPDATE "contracts" SET "bids_status" = 'pending' WHERE "type" = 'auction';
