import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { connectDatabase } from './client.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
// Serialises concurrent migrators (several replicas starting at once) on one fixed advisory key.
const MIGRATION_LOCK_KEY = 7_203_331_901n;

/** Applies every committed migration; safe to run from several processes at once. */
export async function runMigrations(url: string): Promise<void> {
  const handle = connectDatabase(url, { max: 1, applicationName: 'hangar-bay-migrate' });
  try {
    await handle.sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    await migrate(handle.db, { migrationsFolder: MIGRATIONS_FOLDER });
    await handle.sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
  } finally {
    await handle.close();
  }
}
