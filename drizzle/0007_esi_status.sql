CREATE TABLE "esi_status" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"error_limit_remain" integer,
	"paused_until" timestamp with time zone,
	"pause_reason" text,
	"pause_group" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "esi_status_singleton" CHECK (id = 1)
);
