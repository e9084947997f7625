/**
 * Standalone fake ESI for benchmarks and the offline demo:
 *
 *   npx tsx test/fake-esi/cli.ts --port 8099 --regions 3 --contracts 2000 --first-region-contracts 35000 \
 *     --latency 80 --jitter 40 --seed 1
 *
 * Prints the base URL (use it as ESI_BASE_URL) on stdout; the control API is under `<url>/_fake/`.
 */
import { parseArgs } from 'node:util';
import { startFakeEsi } from './index.js';
import type { FakeEsiOptions, FaultSpec } from './types.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8099' },
    host: { type: 'string' },
    'base-path': { type: 'string' },
    seed: { type: 'string' },
    regions: { type: 'string' },
    contracts: { type: 'string' },
    'first-region-contracts': { type: 'string' },
    'max-items': { type: 'string' },
    'large-item-contracts': { type: 'string' },
    'forbidden-share': { type: 'string' },
    churn: { type: 'string' },
    'listing-cache-seconds': { type: 'string' },
    latency: { type: 'string' },
    jitter: { type: 'string' },
    clock: { type: 'string' },
    start: { type: 'string' },
    'cache-control': { type: 'string' },
    'align-phase': { type: 'boolean' },
    fault: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: tsx test/fake-esi/cli.ts [--port 8099] [--base-path /esi] [--seed 1] [--regions 3|all] [--contracts 2000]\n' +
      '  [--first-region-contracts N] [--max-items 250] [--large-item-contracts 0] [--forbidden-share 0.002]\n' +
      '  [--churn 0.02] [--listing-cache-seconds 1800] [--latency MS] [--jitter MS] [--clock real|virtual]\n' +
      "  [--start ISO] [--cache-control public|max-age] [--align-phase] [--fault '{\"kind\":\"status\",...}']...",
  );
  process.exit(0);
}

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    console.error(`fake-esi: --${name} must be a number (got ${JSON.stringify(value)})`);
    process.exit(78);
  }
  return parsed;
}

const options: FakeEsiOptions = {
  port: num('port', values.port),
  host: values.host,
  basePath: values['base-path'],
  seed: num('seed', values.seed),
  regions: values.regions?.toLowerCase() === 'all' ? 'all' : num('regions', values.regions),
  contracts: num('contracts', values.contracts),
  firstRegionContracts: num('first-region-contracts', values['first-region-contracts']),
  maxItemsPerContract: num('max-items', values['max-items']),
  largeItemContracts: num('large-item-contracts', values['large-item-contracts']),
  forbiddenShare: num('forbidden-share', values['forbidden-share']),
  churnRate: num('churn', values.churn),
  listingCacheSeconds: num('listing-cache-seconds', values['listing-cache-seconds']),
  latency: num('latency', values.latency),
  jitter: num('jitter', values.jitter),
  clock: values.clock === 'virtual' ? 'virtual' : 'real',
  startTime: values.start,
  cacheControl: values['cache-control'] === 'max-age' ? 'max-age' : 'public',
  alignPhase: values['align-phase'],
  faults: (values.fault ?? []).map((text) => JSON.parse(text) as FaultSpec),
};
// parseArgs leaves absent flags undefined; drop them so the library defaults apply.
const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as FakeEsiOptions;

const started = performance.now();
const esi = await startFakeEsi(defined);
console.log(esi.url);
const state = esi.control.state();
console.error(
  `fake ESI ready in ${Math.round(performance.now() - started)} ms: ` +
    state.regions.map((r) => `${r.name} ${r.contracts}`).join(', ') +
    ` (control: ${esi.url}/_fake/state)`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void esi.close().then(() => process.exit(0));
  });
}
