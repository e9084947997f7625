import path from 'node:path';
import type { Logger } from 'pino';
import { CONFIG_ERROR_EXIT_CODE, type AppConfig } from './config.js';
import { EmbeddedDatabaseError, startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { runMigrations } from './db/migrate.js';

export interface DatabaseTarget {
  readonly url: string;
  readonly embedded: EmbeddedDatabase | null;
}

/**
 * DATABASE_URL, or else the embedded PostgreSQL in EMBEDDED_DB_DIR (joined if already running);
 * either way migrated to the committed schema before anything uses it. An embedded server that
 * cannot be started is an operator's configuration problem: one line on stderr, exit status 78.
 */
export async function prepareDatabase(config: Pick<AppConfig, 'databaseUrl' | 'embeddedDbDir'>, logger: Logger): Promise<DatabaseTarget> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (url === null) {
    logger.info({ dir: config.embeddedDbDir }, 'DATABASE_URL not set: using the embedded PostgreSQL');
    try {
      embedded = await startEmbeddedDatabase({ dataDir: config.embeddedDbDir, onLog: (line) => logger.debug({ postgres: line }) });
    } catch (error) {
      if (!(error instanceof EmbeddedDatabaseError)) throw error;
      console.error(error.message);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    if (embedded.dataDir !== path.resolve(config.embeddedDbDir)) logger.info({ dir: embedded.dataDir }, 'embedded PostgreSQL data directory');
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
