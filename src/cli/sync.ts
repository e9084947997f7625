import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { CONFIG_ERROR_EXIT_CODE, loadConfigOrExit } from '../config.js';
import { createContainer } from '../container.js';
import { isKnownSpaceRegion } from '../domain/eve-regions.js';
import { prepareDatabase } from '../infrastructure.js';
import type { RunResult, SyncProgress } from '../sync/sync-runner.js';

// docs/sync.md §6 exit statuses.
const EXIT = { success: 0, partial: 1, failure: 2, skipped: 3 } as const;
const JSON_PROGRESS_EVERY_MS = 5_000;
const RATE_WINDOW_MS = 60_000;

function usage(message: string): never {
  console.error(`sync: ${message}\nusage: npm run sync -- [--regions 10000002,10000043] [--items-budget <seconds|all>] [--no-items] [--refresh-universe] [--json]`);
  process.exit(CONFIG_ERROR_EXIT_CODE);
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        regions: { type: 'string' },
        'items-budget': { type: 'string', default: 'all' },
        'no-items': { type: 'boolean', default: false },
    'refresh-universe': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    // An unknown or malformed option is a usage error (78), not a run outcome (1 would read as partial).
    return usage(error instanceof Error ? error.message : String(error));
  }
}
const { values } = parseOptions();

const config = loadConfigOrExit();

let regions: number[] | undefined;
if (values.regions !== undefined) {
  regions = [...new Set(values.regions.split(',').map((part) => Number(part.trim())))];
  const selection = config.aggregationRegionIds;
  // With `all` the set is resolved by the run (ESI's list); any known-space region belongs to it.
  const unknown = regions.filter((id) => (selection === 'all' ? !isKnownSpaceRegion(id) : !selection.includes(id)));
  if (regions.some((id) => !Number.isInteger(id)) || unknown.length > 0) {
    usage(
      selection === 'all'
        ? '--regions must be known-space region ids (10000001-10999999) when AGGREGATION_REGION_IDS is all'
        : `--regions must be a subset of AGGREGATION_REGION_IDS (${selection.join(',')})`,
    );
  }
}
let itemsBudgetMs: number | null = null;
if (values['items-budget'] !== 'all') {
  const seconds = Number(values['items-budget']);
  if (!Number.isFinite(seconds) || seconds < 0) usage('--items-budget takes a number of seconds or "all"');
  itemsBudgetMs = seconds * 1000;
}

const live = process.stderr.isTTY && !values.json;
// On a terminal the live display owns stderr, so only warnings are logged (to stdout).
const logger = pino({ level: live ? 'warn' : config.logLevel, base: { service: 'hangar-bay', command: 'sync' } });

const state = {
  phase: 'discovery' as SyncProgress['phase'],
  regionId: null as number | null,
  regions: new Map<number, string>(),
  /** Listing pages read of each region swept so far, and how many it has. */
  regionPages: new Map<number, { done: number; total: number }>(),
  pagesDone: 0,
  pagesTotal: 0,
  contractsNew: 0,
  contractsClosed: 0,
  itemsDone: 0,
  itemsTotal: 0,
  samples: [] as { at: number; done: number }[],
};

function rate(): number {
  const now = Date.now();
  state.samples = state.samples.filter((sample) => now - sample.at <= RATE_WINDOW_MS);
  const first = state.samples[0];
  if (!first || now === first.at) return 0;
  return ((state.itemsDone - first.done) * 1000) / (now - first.at);
}

function progressFields() {
  const perSecond = rate();
  const remaining = Math.max(0, state.itemsTotal - state.itemsDone);
  return {
    phase: state.phase,
    region_id: state.regionId,
    pages_done: state.pagesDone,
    pages_total: state.pagesTotal,
    contracts_new: state.contractsNew,
    contracts_closed: state.contractsClosed,
    items_done: state.itemsDone,
    items_total: state.itemsTotal,
    rate_per_s: Math.round(perSecond * 10) / 10,
    eta_s: perSecond > 0 ? Math.round(remaining / perSecond) : null,
  };
}

function render(): void {
  const p = progressFields();
  const lines = [
    ...[...state.regions.entries()].map(([region, text]) => `  region ${region}: ${text}`),
    `  phase ${p.phase}  pages ${p.pages_done}/${p.pages_total}  new ${p.contracts_new}  closed ${p.contracts_closed}`,
    `  items ${p.items_done}/${p.items_total}  ${p.rate_per_s}/s  ETA ${p.eta_s === null ? '-' : `${p.eta_s}s`}`,
  ];
  process.stderr.write(`\x1b[2J\x1b[H hangar-bay sync\n${lines.join('\n')}\n`);
}

function onProgress(event: SyncProgress): void {
  state.phase = event.phase;
  if (event.phase === 'discovery') {
    state.regionId = event.regionId;
    if (event.state === 'sweeping') state.regions.set(event.regionId, 'sweeping');
    else if (event.state === 'pages') {
      state.regionPages.set(event.regionId, { done: event.pagesDone, total: event.pagesTotal });
      state.regions.set(event.regionId, `sweeping, pages ${event.pagesDone}/${event.pagesTotal}`);
      state.pagesDone = [...state.regionPages.values()].reduce((sum, pages) => sum + pages.done, 0);
      state.pagesTotal = [...state.regionPages.values()].reduce((sum, pages) => sum + pages.total, 0);
    } else {
      state.regions.set(event.regionId, `${event.outcome}${event.detail ? ` (${event.detail})` : ''}`);
      if (event.counters) {
        state.contractsNew = event.counters.contractsNew;
        state.contractsClosed = event.counters.contractsClosed;
      }
    }
  } else if (event.phase === 'items') {
    state.itemsDone = event.done;
    state.itemsTotal = event.total;
    state.samples.push({ at: Date.now(), done: event.done });
  }
}

const database = await prepareDatabase(config, logger);
const container = createContainer({ config, databaseUrl: database.url, logger, servesHttp: false });
const sync = container.createSync();
const ticker = setInterval(() => {
  if (live) render();
  else console.log(JSON.stringify({ msg: 'sync.progress', time: new Date().toISOString(), ...progressFields() }));
}, live ? 500 : JSON_PROGRESS_EVERY_MS);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sync.runner.requestStop();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

let result: RunResult;
try {
  result = await sync.runner.run({ trigger: 'cli', regions, itemsBudgetMs, skipItems: values['no-items'], refreshUniverse: values['refresh-universe'], onProgress });
} finally {
  clearInterval(ticker);
  await container.close();
  if (database.embedded?.ownedByThisProcess) await database.embedded.stop();
}

// pino writes asynchronously: its last lines go out first, so that `sync.finished` is always the last line.
await new Promise<void>((resolve) => logger.flush(() => resolve()));
if (result.kind === 'skipped') {
  console.log(JSON.stringify({ msg: 'sync.finished', outcome: 'skipped', reason: result.reason }));
  process.exit(EXIT.skipped);
}
if (live) {
  render();
  const table = result.regions.map((r) => `  ${r.regionId}  ${r.outcome.padEnd(8)} ${r.detail ?? ''}`);
  process.stderr.write(`\n region    outcome  detail\n${table.join('\n')}\n\n outcome ${result.outcome}${result.detail ? ` (${result.detail})` : ''}\n`);
}
console.log(JSON.stringify({ msg: 'sync.finished', run_id: result.runId, outcome: result.outcome, detail: result.detail, ...result.counters }));
process.exit(EXIT[result.outcome]);
