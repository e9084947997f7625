/**
 * `npm run db:seed -- [--contracts N] [--seed S]`: fills the database with a deterministic synthetic
 * corpus (src/seed/corpus.ts) for demos and benchmarks. Uses DATABASE_URL, else the embedded
 * database (joining the service's running instance when there is one).
 */
import { parseArgs } from 'node:util';
import { loadSde } from '../../test/fixtures/sde/index.js';
import { pino } from 'pino';
import { loadConfigOrExit } from '../config.js';
import { connectDatabase, type DatabaseHandle } from '../db/client.js';
import { prepareDatabase } from '../infrastructure.js';
import { DEFAULT_SEED_CONCURRENCY, seedDatabase } from '../seed/seed.service.js';

const USAGE =
  'usage: npm run db:seed -- [--contracts N (default 2000)] [--seed S (default 1)] [--concurrency C (default 2)]';
const EXIT_USAGE = 64;
const MAX_CONTRACTS = 10_000_000;
const PROGRESS_INTERVAL_MS = 1000;

class UsageError extends Error {}

interface SeedArgs {
  contracts: number;
  seed: number;
  concurrency: number;
  help: boolean;
}

function parseSeedArgs(argv: string[]): SeedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        contracts: { type: 'string' },
        seed: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const integer = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const value = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    }
    return value;
  };
  return {
    contracts: integer('contracts', values.contracts, 2000, 0, MAX_CONTRACTS),
    seed: integer('seed', values.seed, 1, -(2 ** 31), 2 ** 31 - 1),
    concurrency: integer('concurrency', values.concurrency, DEFAULT_SEED_CONCURRENCY, 1, 16),
    help: values.help === true,
  };
}

function progressPrinter(): (done: number, total: number) => void {
  let lastPrint = 0;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - lastPrint < PROGRESS_INTERVAL_MS) return;
    lastPrint = now;
    console.error(`seed: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} contracts`);
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parseSeedArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfigOrExit();
  // Joins the service's embedded server when it is running rather than starting a second one.
  const target = await prepareDatabase(config, pino({ level: 'warn' }));
  const embedded = target.embedded;
  if (embedded) console.error(`seed: ${embedded.ownedByThisProcess ? 'started' : 'joined running'} embedded database in ${config.embeddedDbDir}`);
  let database: DatabaseHandle | null = null;
  try {
    database = connectDatabase(target.url, { max: args.concurrency, applicationName: 'hangar-bay-seed' });
    const result = await seedDatabase(database.db, {
      contracts: args.contracts,
      seed: args.seed,
      concurrency: args.concurrency,
      sde: loadSde(),
      onProgress: progressPrinter(),
    });
    const rate = result.seconds > 0 ? Math.round(args.contracts / result.seconds) : args.contracts;
    const skipped = args.contracts - result.contracts;
    console.log(
      `seeded ${result.contracts} contracts, ${result.items} items and ${result.observations} price observations (seed ${args.seed}) in ${result.seconds.toFixed(1)} s: ` +
        `${rate} contracts/s${skipped > 0 ? `; ${skipped} were already stored and left alone` : ''}`,
    );
    return 0;
  } finally {
    await database?.close();
    if (embedded?.ownedByThisProcess) await embedded.stop();
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`db:seed: ${error.message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  console.error(`db:seed failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(exitCodeFor(error)),
);
