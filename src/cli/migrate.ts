/** `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded database). */
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, loadConfig } from '../config.js';
import { prepareDatabase } from '../infrastructure.js';

if (existsSync('.env')) process.loadEnvFile('.env');
let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
  throw error;
}
const logger = pino({ level: config.logLevel, base: { service: 'hangar-bay', command: 'migrate' } });
try {
  const database = await prepareDatabase(config, logger);
  logger.info('migrations applied');
  if (database.embedded?.ownedByThisProcess) await database.embedded.stop();
  process.exit(0);
} catch (error) {
  logger.error({ err: error }, 'migration failed');
  process.exit(1);
}
