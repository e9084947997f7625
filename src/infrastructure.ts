import type { Logger } from 'pino';
import type { AppConfig } from './config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { runMigrations } from './db/migrate.js';

export interface DatabaseTarget {
  readonly url: string;
  readonly embedded: EmbeddedDatabase | null;
}

/**
 * DATABASE_URL, or else the embedded PostgreSQL in EMBEDDED_DB_DIR (joined if already running);
 * either way migrated to the committed schema before anything uses it.
 */
export async function prepareDatabase(config: Pick<AppConfig, 'databaseUrl' | 'embeddedDbDir'>, logger: Logger): Promise<DatabaseTarget> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (url === null) {
    logger.info({ dir: config.embeddedDbDir }, 'DATABASE_URL not set: using the embedded PostgreSQL');
    embedded = await startEmbeddedDatabase({ dataDir: config.embeddedDbDir, onLog: (line) => logger.debug({ postgres: line }) });
    url = embedded.url;
  }
  try {
    await runMigrations(url);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return { url, embedded };
}
