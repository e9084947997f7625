CREATE TABLE "contract_changes" (
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"contract_id" bigint NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "change_log_floor" "xid8";--> statement-breakpoint
CREATE INDEX "contract_changes_xid_idx" ON "contract_changes" USING btree ("xid");--> statement-breakpoint
CREATE INDEX "contract_changes_changed_at_idx" ON "contract_changes" USING btree ("changed_at");