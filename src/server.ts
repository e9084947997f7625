import { loadConfigOrExit, roleSyncs } from './config.js';
import { buildApp } from './app.js';
import { createContainer } from './container.js';
import { prepareDatabase } from './infrastructure.js';
import { createLogger, loggableError } from './logger.js';
import { BIDS_TICK_SECONDS } from './sync/bids.js';
import { syncSchedule } from './sync/scheduler.js';

const config = loadConfigOrExit();

const logger = createLogger(config);
if (roleSyncs(config.role) && config.esiUserAgentIsDefault) {
  logger.warn('ESI_USER_AGENT is not set: set it to "AppName/version (your contact email or URL)" so CCP can reach you');
}

const database = await prepareDatabase(config, logger);
const container = createContainer({ config, databaseUrl: database.url, logger });
const app = await buildApp({
  config,
  contractReads: container.contractReads,
  contractPrices: container.contractPrices,
  readiness: container.readiness,
  status: container.status,
  metrics: container.metrics,
  logger,
});

if (roleSyncs(config.role)) {
  const sync = container.createSync();
  await app.register(syncSchedule, {
    runner: sync.runner,
    intervalSeconds: config.aggregationIntervalSeconds,
    bids: { poll: () => sync.runner.pollBids(), intervalSeconds: BIDS_TICK_SECONDS },
  });
}

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  // A request stuck on a dead dependency must not hold the process forever.
  const forced = setTimeout(() => process.exit(1), 20_000).unref();
  try {
    await app.close();
    await container.close();
    if (database.embedded?.ownedByThisProcess) await database.embedded.stop();
  } finally {
    clearTimeout(forced);
  }
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  logger.fatal({ err: loggableError(error) }, 'could not listen');
  await container.close();
  if (database.embedded?.ownedByThisProcess) await database.embedded.stop();
  process.exit(1);
}
