/**
 * Offline fake ESI (docs/sync.md §10) for tests, benchmarks and the demo.
 *
 *   const esi = await startFakeEsi({ clock: 'virtual', startTime: '2026-07-21T12:00:00Z' });
 *   // ESI_BASE_URL = esi.url; esi.control.advance(1800); esi.control.addFault({ kind: 'status', route: 'E1', page: 2, times: 3 });
 *   await esi.close();
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadSde } from '../fixtures/sde/index.js';
import { ErrorLimiter, Recorder } from './accounting.js';
import { FakeClock } from './clock.js';
import { createControl, createControlHandler, type FakeEsiControl } from './control.js';
import { FaultStore } from './faults.js';
import { buildPopulation } from './population.js';
import { Rng, mix32 } from './random.js';
import type { FakeEnv, ResolvedOptions } from './reply.js';
import { createHandler } from './server.js';
import type { FakeEsiOptions } from './types.js';
import { Universe } from './universe.js';

export type { FakeEsiControl, FakeEsiUniverseView } from './control.js';
export type * from './types.js';
export { ROUTE_TEMPLATES } from './types.js';

export interface FakeEsi {
  /** Base URL to use as ESI_BASE_URL (includes the base path, if any). */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, without the base path. */
  readonly origin: string;
  readonly port: number;
  readonly control: FakeEsiControl;
  close(): Promise<void>;
}

function normalizeBasePath(basePath: string): string {
  if (basePath === '' || basePath === '/') return '';
  const withSlash = basePath.startsWith('/') ? basePath : `/${basePath}`;
  return withSlash.replace(/\/+$/, '');
}

/** Small regions of an `all` universe hold a handful of contracts each; The Forge stays large. */
const ALL_REGIONS_CONTRACTS = 5;
const ALL_REGIONS_FIRST_REGION_CONTRACTS = 2000;

/**
 * The universe's regions: the first `regions` of the static order, or with `all` every known-space
 * region (that order first, then the rest by id).
 */
function universeRegionIds(regions: number | 'all'): number[] {
  const sde = loadSde();
  if (regions !== 'all') return sde.regionsUsed.slice(0, regions);
  // The static data's 69 regions are all known space (no wormhole or Abyssal region among them).
  const rest = sde.regions.map((r) => r.region_id).filter((id) => !sde.regionsUsed.includes(id));
  return [...sde.regionsUsed, ...rest.sort((a, b) => a - b)];
}

function resolveOptions(options: FakeEsiOptions): ResolvedOptions {
  const all = options.regions === 'all';
  const contracts = options.contracts ?? (all ? ALL_REGIONS_CONTRACTS : 2000);
  const resolved: ResolvedOptions = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    basePath: normalizeBasePath(options.basePath ?? ''),
    seed: options.seed ?? 1,
    regions: options.regions ?? 3,
    contracts,
    firstRegionContracts: options.firstRegionContracts ?? (all && options.contracts === undefined ? ALL_REGIONS_FIRST_REGION_CONTRACTS : contracts),
    characters: options.characters ?? 0,
    maxItemsPerContract: options.maxItemsPerContract ?? 250,
    largeItemContracts: options.largeItemContracts ?? 0,
    forbiddenShare: options.forbiddenShare ?? 0.002,
    churnRate: options.churnRate ?? 0.02,
    listingCacheSeconds: options.listingCacheSeconds ?? 1800,
    itemsCacheSeconds: options.itemsCacheSeconds ?? 3600,
    bidsCacheSeconds: options.bidsCacheSeconds ?? 300,
    alignPhase: options.alignPhase ?? false,
    clock: options.clock ?? 'real',
    cacheControl: options.cacheControl ?? 'public',
    latency: options.latency ?? 0,
    jitter: options.jitter ?? 0,
    errorLimit: options.errorLimit ?? 100,
    errorWindowSeconds: options.errorWindowSeconds ?? 60,
    requestLogLimit: options.requestLogLimit ?? 50_000,
  };
  const maxRegions = loadSde().regionsUsed.length;
  if (resolved.regions !== 'all' && (!Number.isInteger(resolved.regions) || resolved.regions < 1 || resolved.regions > maxRegions)) {
    throw new Error(`fake ESI: regions must be an integer in [1, ${maxRegions}] or 'all' (got ${resolved.regions})`);
  }
  for (const name of ['contracts', 'firstRegionContracts', 'largeItemContracts'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 0) throw new Error(`fake ESI: ${name} must be a non-negative integer`);
  }
  if (!(resolved.maxItemsPerContract >= 1)) throw new Error('fake ESI: maxItemsPerContract must be >= 1');
  if (!(resolved.listingCacheSeconds >= 1 && resolved.itemsCacheSeconds >= 1 && resolved.bidsCacheSeconds >= 1)) throw new Error('fake ESI: cache periods must be >= 1 s');
  return resolved;
}

/** Starts a fake ESI on 127.0.0.1 (port 0 = any free port). */
export async function startFakeEsi(options: FakeEsiOptions = {}): Promise<FakeEsi> {
  const resolved = resolveOptions(options);
  const clock = new FakeClock(resolved.clock, options.startTime);
  const regionIds = universeRegionIds(resolved.regions);
  const sizes = regionIds.map((_, i) => (i === 0 ? resolved.firstRegionContracts : resolved.contracts));
  const total = sizes.reduce((a, b) => a + b, 0);
  const characters = resolved.characters > 0 ? resolved.characters : Math.min(20_000, Math.max(500, Math.ceil(total / 6)));
  const pop = buildPopulation(resolved.seed, characters);
  const universe = new Universe(
    pop,
    {
      seed: resolved.seed,
      regionIds,
      sizes,
      maxItems: resolved.maxItemsPerContract,
      largeItemContracts: resolved.largeItemContracts,
      churnRate: resolved.churnRate,
      listingPeriodMs: resolved.listingCacheSeconds * 1000,
      alignPhase: resolved.alignPhase,
      startMs: clock.now(),
    },
    () => clock.now(),
  );
  const env: FakeEnv = {
    options: resolved,
    clock,
    pop,
    universe,
    faults: new FaultStore(resolved.seed),
    recorder: new Recorder(resolved.requestLogLimit),
    limiter: new ErrorLimiter(resolved.errorLimit, resolved.errorWindowSeconds * 1000),
    jitterRng: new Rng(mix32(resolved.seed, 'latency')),
  };
  for (const fault of options.faults ?? []) env.faults.add(fault);
  const control = createControl(env);

  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server = createServer(createHandler(env, createControlHandler(control), hanging));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${resolved.host}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}${resolved.basePath}`,
    origin,
    port,
    control,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung requests and idle keep-alive connections would hold close() open forever.
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
