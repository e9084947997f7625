-- Every statement that inserts, updates or deletes contracts or contract items records the contract
-- ids it touched in contract_changes, in the writer's own transaction (so a change is visible to a
-- reader exactly when the change itself is). Statement-level triggers with transition tables write
-- one row per contract per statement, however many rows a bulk write touches.
CREATE OR REPLACE FUNCTION hangar_bay_log_contract_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO contract_changes (contract_id) SELECT DISTINCT contract_id FROM changed_rows_old;
  ELSE
    INSERT INTO contract_changes (contract_id) SELECT DISTINCT contract_id FROM changed_rows_new;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER contracts_log_insert AFTER INSERT ON contracts
  REFERENCING NEW TABLE AS changed_rows_new FOR EACH STATEMENT EXECUTE FUNCTION hangar_bay_log_contract_changes();
--> statement-breakpoint
CREATE TRIGGER contracts_log_update AFTER UPDATE ON contracts
  REFERENCING NEW TABLE AS changed_rows_new FOR EACH STATEMENT EXECUTE FUNCTION hangar_bay_log_contract_changes();
--> statement-breakpoint
CREATE TRIGGER contracts_log_delete AFTER DELETE ON contracts
  REFERENCING OLD TABLE AS changed_rows_old FOR EACH STATEMENT EXECUTE FUNCTION hangar_bay_log_contract_changes();
--> statement-breakpoint
CREATE TRIGGER contract_items_log_insert AFTER INSERT ON contract_items
  REFERENCING NEW TABLE AS changed_rows_new FOR EACH STATEMENT EXECUTE FUNCTION hangar_bay_log_contract_changes();
--> statement-breakpoint
CREATE TRIGGER contract_items_log_update AFTER UPDATE ON contract_items
  REFERENCING NEW TABLE AS changed_rows_new FOR EACH STATEMENT EXECUTE FUNCTION hangar_bay_log_contract_changes();
--> statement-breakpoint
CREATE TRIGGER contract_items_log_delete AFTER DELETE ON contract_items
  REFERENCING OLD TABLE AS changed_rows_old FOR EACH STATEMENT EXECUTE FUNCTION hangar_bay_log_contract_changes();
