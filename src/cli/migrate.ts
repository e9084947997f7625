/** `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded database). */
import { pino } from 'pino';
import { loadConfigOrExit } from '../config.js';
import { prepareDatabase } from '../infrastructure.js';
import { loggableError } from '../logger.js';

const config = loadConfigOrExit();
const logger = pino({ level: config.logLevel, base: { service: 'hangar-bay', command: 'migrate' } });
try {
  const database = await prepareDatabase(config, logger);
  logger.info('migrations applied');
  if (database.embedded?.ownedByThisProcess) await database.embedded.stop();
  process.exit(0);
} catch (error) {
  logger.error({ err: loggableError(error) }, 'migration failed');
  process.exit(1);
}
