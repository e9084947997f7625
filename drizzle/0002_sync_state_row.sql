INSERT INTO sync_state (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
