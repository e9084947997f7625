-- API replicas LISTEN on this channel so a committed generation reaches their ETag and result-cache
-- decisions within milliseconds instead of at their next 1 s poll (api.md §5).
CREATE OR REPLACE FUNCTION hangar_bay_notify_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hangar_bay_generation', NEW.generation::text);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER sync_state_generation_notify AFTER UPDATE OF generation ON sync_state
  FOR EACH ROW EXECUTE FUNCTION hangar_bay_notify_generation();
