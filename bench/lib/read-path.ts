/**
 * Read path: per corpus size, seed a scratch database, start the real service (src/server.ts,
 * ROLE=api) in a child process, and measure every scenario under autocannon against two baselines
 * taken in the same run: the HTTP ceiling (bench/bare-server.ts with the default view's bytes) and
 * the data floor (the service's SQL replayed directly, bench/lib/floor.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { buildCorpus, type CorpusFacts } from './corpus.js';
import type { DatabaseServer } from './db.js';
import { floorWork, openFloorPool, SERVICE_POOL_SIZE, statementsPerRequest } from './floor.js';
import { floorLoad, httpLoad, summarize, type LoadResult } from './load.js';
import { freePort } from '../../src/db/embedded.js';
import { currentRss, onCleanup, sleep, spawnNpmScript, spawnTs, waitForHttp, type Child } from './procs.js';
import { buildScenarios, databaseBoundPaths, DEFAULT_VIEW_QUERY, LIST_PATH, pathCycle, type ReadScenario } from './scenarios.js';

export interface ReadPathOptions {
  readonly sizes: readonly number[];
  readonly connections: readonly number[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Sequential uncached requests per scenario (the generation is bumped before each). */
  readonly coldProbes: number;
  /** Distinct filter combinations of the mixed scenario. */
  readonly mixedCount: number;
  /**
   * Length of the HTTP ceiling measured right before each scenario at the same concurrency (0: use
   * the mean of the passes at the start and end of the size). On a shared machine the pairing
   * keeps a neighbour's burst from skewing one side of the ratio only.
   */
  readonly pairedCeilingSeconds: number;
  /** Scenario ids to run at a size; null = all. */
  readonly scenariosAt: (size: number) => readonly string[] | null;
  readonly log: (line: string) => void;
}

export interface ScenarioRun {
  readonly connections: number;
  readonly service: LoadResult;
  readonly floor: LoadResult;
  /** The HTTP ceiling measured just before, same concurrency (null when not paired). */
  readonly ceiling: LoadResult | null;
  /** Result-cache hits ÷ lookups during the measured window (from the service's /metrics). */
  readonly cacheHitRatio: number | null;
  /** Service req/s ÷ HTTP ceiling req/s at the same concurrency. */
  readonly vsCeiling: number;
  /** Service req/s ÷ data floor req/s at the same concurrency. */
  readonly vsFloor: number;
  /** Database statements per request: uncached statements × (1 − hit ratio). */
  readonly statementsPerRequest: number | null;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly cacheable: boolean;
  readonly ceilingTarget: boolean;
  readonly samplePath: string;
  readonly distinctPaths: number;
  /** `total` of the first path's response (list scenarios). */
  readonly matches: number | null;
  readonly responseBytes: number;
  /** Statements of one uncached request (BEGIN … COMMIT), and their text. */
  readonly uncachedStatements: number;
  readonly statementText: string[];
  /** Sequential requests right after a generation bump (nothing cached), ms. */
  readonly cold: { n: number; p50: number; p95: number; p99: number; mean: number };
  readonly runs: ScenarioRun[];
}

export interface CeilingResult {
  readonly connections: number;
  /** Measured at the start and at the end of the size's run. */
  readonly passes: LoadResult[];
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

/** The read model's cost: its full load, and the resident memory it adds (docs/read-path.md §6). */
export interface ReadModelFootprint {
  readonly loadSeconds: number | null;
  /** From the model answering to every closed contract's and auction's detail held, and how many. */
  readonly heldDetailsSeconds?: number | null;
  readonly heldDetails?: number | null;
  /** RSS after start-up and the same warm-up requests, with READ_MODEL=off and =on. */
  readonly rssWithoutModel: number | null;
  readonly rssWithModel: number | null;
  readonly extraRss: number | null;
}

/** 64 clients of database-bound requests beside 4 clients of the cached default view (docs/read-path.md §6). */
export interface FloodResult {
  readonly seconds: number;
  /** The cached default view alone (4 clients). */
  readonly unloaded: LoadResult;
  /** The cached default view while the flood runs. */
  readonly loaded: LoadResult;
  /** The flood itself: details of never-repeated ids (each a cache miss, so database work). */
  readonly flood: LoadResult;
  /** loaded p99 ÷ unloaded p99. */
  readonly p99Ratio: number;
  /** Responses of either load with a status other than 200, 304 or 503. */
  readonly otherStatuses: number;
}

/** PostgreSQL unreachable (a proxy between the service and it, cut), then back (docs/read-path.md §4). */
export interface OutageResult {
  readonly seconds: number;
  /** List requests (new filter combinations) during the outage, and their statuses. */
  readonly listRequests: number;
  readonly listStatuses: Record<string, number>;
  /** Detail requests of ids never asked before (need the database), and their statuses. */
  readonly detailStatuses: Record<string, number>;
  /** From the proxy accepting again to the first 200 of a never-asked detail, seconds. */
  readonly firstUncachedOkSeconds: number | null;
}

export interface SizeResult {
  readonly size: number;
  readonly readModel?: ReadModelFootprint;
  readonly flood?: FloodResult;
  readonly outage?: OutageResult;
  readonly corpus: Omit<CorpusFacts, 'contractIds' | 'searchWords' | 'typeIds' | 'systems' | 'stations' | 'taxonomy'> & {
    readonly contracts: number;
    readonly databaseBytes: number;
  };
  readonly bodyBytes: number;
  readonly ceiling: CeilingResult[];
  readonly scenarios: ScenarioResult[];
  readonly seconds: number;
  /** 1-minute load average before and after the size's run (other work on the machine). */
  readonly loadAverage: [number, number];
}

async function scrapeCache(origin: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  let hit = 0;
  let miss = 0;
  for (const line of text.split('\n')) {
    const match = /^hangar_bay_response_cache_total\{[^}]*result="(hit|miss|error)"[^}]*\}\s+([0-9.e+]+)/.exec(line);
    if (!match) continue;
    if (match[1] === 'hit') hit += Number(match[2]);
    else miss += Number(match[2]);
  }
  return { hit, miss };
}

const etagGeneration = (etag: string | null) => {
  const match = etag ? /^W\/"(\d+)\./.exec(etag) : null;
  return match ? Number(match[1]) : -1;
};

interface ServiceProcess {
  readonly child: Child;
  readonly origin: string;
  /** The read model's full load (null with READ_MODEL=off). */
  readonly loadSeconds: number | null;
  readonly heldDetailsSeconds: number | null;
  readonly heldDetails: number | null;
}

/** The service as `npm start` runs it (ROLE=api), answering from its read model once that has loaded. */
export async function startService(url: string, log: (line: string) => void, readModel = true): Promise<ServiceProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnNpmScript('api', 'start', [], {
    env: {
      DATABASE_URL: url,
      ROLE: 'api',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ENVIRONMENT: 'production',
      REDIS_URL: '',
      METRICS_TOKEN: '',
      READ_MODEL: readModel ? 'on' : 'off',
    },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/health`, child);
  let loadSeconds: number | null = null;
  let heldDetailsSeconds: number | null = null;
  let heldDetails: number | null = null;
  if (readModel) {
    // /ready answers 200 while the model loads (the SQL path serves); wait until it is the model that
    // answers, and then until it holds every detail it reads from the database (closed contracts, auctions).
    const deadline = Date.now() + 10 * 60_000;
    let answeringSince: number | null = null;
    for (;;) {
      const body = (await (await fetch(`${origin}/ready`)).json()) as {
        read_model?: { state: string; load_seconds: number | null; held_details: number; details_to_read: number };
      };
      if (body.read_model?.state === 'ready') {
        loadSeconds = body.read_model.load_seconds;
        answeringSince ??= performance.now();
        if (body.read_model.details_to_read === 0) {
          heldDetailsSeconds = (performance.now() - answeringSince) / 1000;
          heldDetails = body.read_model.held_details;
          break;
        }
      }
      if (Date.now() > deadline) throw new Error(`bench: the read model did not load (${JSON.stringify(body.read_model)})\n${child.output()}`);
      await sleep(100);
    }
  }
  log(
    `  service up on ${origin} (pid ${child.pid}, ${Math.round(performance.now() - started)} ms` +
      `${readModel ? `, read model loaded in ${loadSeconds?.toFixed(2)} s, ${heldDetails} details held ${heldDetailsSeconds?.toFixed(2)} s later` : ', READ_MODEL=off'})`,
  );
  return { child, origin, loadSeconds, heldDetailsSeconds, heldDetails };
}

/** The same few hundred requests for either service, so both have warmed the same code and caches. */
async function warmUp(origin: string, paths: readonly string[]): Promise<void> {
  for (let round = 0; round < 20; round++) {
    for (const path of paths) await (await fetch(`${origin}${path}`)).arrayBuffer();
  }
  // Let the allocator settle after the burst, so the figure is the resting footprint.
  await sleep(2000);
}

/** RSS with and without the read model after the same start-up and warm-up: what the model adds. */
async function readModelFootprint(url: string, paths: readonly string[], log: (line: string) => void): Promise<ReadModelFootprint> {
  const without = await startService(url, log, false);
  let rssWithoutModel: number | null;
  try {
    await warmUp(without.origin, paths);
    rssWithoutModel = currentRss(without.child.pid);
  } finally {
    await without.child.stop();
  }
  const withModel = await startService(url, log, true);
  try {
    await warmUp(withModel.origin, paths);
    const rssWithModel = currentRss(withModel.child.pid);
    const extraRss = rssWithModel !== null && rssWithoutModel !== null ? rssWithModel - rssWithoutModel : null;
    log(
      `  read model: load ${withModel.loadSeconds?.toFixed(2)} s, details held ${withModel.heldDetailsSeconds?.toFixed(2)} s later; ` +
        `RSS ${mbOf(rssWithModel)} with, ${mbOf(rssWithoutModel)} without: +${mbOf(extraRss)}`,
    );
    return {
      loadSeconds: withModel.loadSeconds,
      heldDetailsSeconds: withModel.heldDetailsSeconds,
      heldDetails: withModel.heldDetails,
      rssWithoutModel,
      rssWithModel,
      extraRss,
    };
  } finally {
    await withModel.child.stop();
  }
}

/** A TCP proxy in this process between the service and PostgreSQL, which can be cut and restored. */
async function databaseProxy(url: string): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const restore = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => socket.destroy());
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        server = listening;
        port = (listening.address() as AddressInfo).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await restore();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return { url: proxied.toString(), cut, restore, close: cut };
}

/**
 * The outage of docs/read-path.md §4/§6: the service reaches PostgreSQL through a proxy that is cut for
 * `seconds` while lists of new filter combinations and details of stored contracts are requested; then
 * the proxy accepts again and the time to the first 200 of a request only PostgreSQL can answer (a
 * price history never asked before) is taken.
 */
async function runOutage(
  url: string,
  mixedPaths: readonly string[],
  ids: readonly number[],
  databaseBound: () => string,
  seconds: number,
  log: (line: string) => void,
): Promise<OutageResult> {
  const proxy = await databaseProxy(url);
  const service = await startService(proxy.url, log);
  try {
    let nextList = Math.floor(mixedPaths.length / 3);
    let nextId = Math.floor(ids.length / 3);
    await proxy.cut();
    const [lists, details] = await Promise.all([
      httpLoad({ origin: service.origin, connections: 16, seconds, warmupSeconds: 0, path: () => mixedPaths[nextList++ % mixedPaths.length]! }),
      httpLoad({ origin: service.origin, connections: 4, seconds, warmupSeconds: 0, path: () => `/contracts/${ids[nextId++ % ids.length]!}` }),
    ]);
    await proxy.restore();
    const restoredAt = performance.now();
    let firstUncachedOkSeconds: number | null = null;
    while (performance.now() - restoredAt < 30_000) {
      const response = await fetch(`${service.origin}${databaseBound()}`);
      await response.arrayBuffer();
      if (response.status === 200) {
        firstUncachedOkSeconds = (performance.now() - restoredAt) / 1000;
        break;
      }
      await sleep(20);
    }
    const result: OutageResult = {
      seconds,
      listRequests: lists.requests,
      listStatuses: lists.statusCodes,
      detailStatuses: details.statusCodes,
      firstUncachedOkSeconds,
    };
    log(
      `  outage: lists ${JSON.stringify(lists.statusCodes)} (${fmt(lists.rps, 0)} req/s), details ${JSON.stringify(details.statusCodes)}; ` +
        `first new price history 200 ${fmt(firstUncachedOkSeconds ?? Number.NaN, 2)} s after PostgreSQL is back`,
    );
    return result;
  } finally {
    await service.child.stop();
    await proxy.close();
  }
}

const mbOf = (bytes: number | null) => (bytes === null ? '–' : `${(bytes / 2 ** 20).toFixed(0)} MB`);

/**
 * The flood of docs/read-path.md §6: the cached default view measured alone (4 clients), then again
 * while 64 clients send requests only PostgreSQL can answer (price histories never asked before: the
 * read model answers lists and every stored contract's detail itself), each a cache miss through
 * admission control.
 */
async function runFlood(service: ServiceProcess, databaseBound: () => string, seconds: number, log: (line: string) => void): Promise<FloodResult> {
  const defaultView = `${LIST_PATH}?${DEFAULT_VIEW_QUERY}`;
  const cachedView = { origin: service.origin, connections: 4, seconds, warmupSeconds: 1, path: defaultView };
  const unloaded = await httpLoad(cachedView);
  const [flood, loaded] = await Promise.all([
    httpLoad({ origin: service.origin, connections: 64, seconds: seconds + 2, warmupSeconds: 0, path: databaseBound }),
    sleep(1000).then(() => httpLoad({ ...cachedView, warmupSeconds: 0 })),
  ]);
  const other = (result: LoadResult) =>
    Object.entries(result.statusCodes).reduce((sum, [code, count]) => (['200', '304', '503'].includes(code) ? sum : sum + count), 0) + result.errors;
  const result: FloodResult = {
    seconds,
    unloaded,
    loaded,
    flood,
    p99Ratio: loaded.p99 / unloaded.p99,
    otherStatuses: other(flood) + other(loaded),
  };
  log(
    `  flood: cached default view p99 ${fmt(unloaded.p99, 2)} ms alone, ${fmt(loaded.p99, 2)} ms under the flood (× ${fmt(result.p99Ratio, 2)}); ` +
      `flood ${fmt(flood.rps, 0)} req/s ${JSON.stringify(flood.statusCodes)}; other statuses ${result.otherStatuses}`,
  );
  return result;
}

async function startBareServer(bodyFile: string): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const child = spawnTs('bare', 'bench/bare-server.ts', [], { env: { PORT: String(port), HOST: '127.0.0.1', BODY_FILE: bodyFile } });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/`, child);
  return { child, origin };
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export async function runReadPath(
  server: DatabaseServer,
  options: ReadPathOptions,
  onSize: (results: readonly SizeResult[]) => void = () => {},
): Promise<SizeResult[]> {
  const results: SizeResult[] = [];
  for (const size of options.sizes) {
    results.push(await runSize(server, size, options));
    onSize(results);
  }
  return results;
}

async function runSize(server: DatabaseServer, size: number, options: ReadPathOptions): Promise<SizeResult> {
  const { log } = options;
  const sizeStarted = performance.now();
  const loadBefore = os.loadavg()[0]!;
  log(`read path: ${size.toLocaleString('en-US')} live contracts`);
  const database = await server.createDatabase(`read_${size}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hangar-bay-bench-'));
  const unregisterTmp = onCleanup('remove temp dir', () => rmSync(tmp, { recursive: true, force: true }));
  const admin = postgres(database.url, { max: 1, onnotice: () => {} });
  const floorPool = openFloorPool(database.url);
  let service: ServiceProcess | null = null;
  let bare: { child: Child; origin: string } | null = null;
  try {
    const facts = await buildCorpus(database.url, size, log);
    log(
      `  corpus: ${facts.live} live + ${facts.closedOrExpired} closed/expired, ${facts.items} item rows ` +
        `(seeded ${facts.generated} at ${facts.seedRate}/s, closed ${facts.closedBySql} by SQL)`,
    );
    const [dbSize] = await admin<{ bytes: string }[]>`SELECT pg_database_size(current_database()) AS bytes`;
    const { scenarios } = buildScenarios(facts, options.mixedCount);
    const wanted = options.scenariosAt(size);
    const selected = wanted === null ? scenarios : scenarios.filter((s) => wanted.includes(s.id));
    const readModel = await readModelFootprint(
      database.url,
      scenarios.filter((s) => s.kind !== 'detail').map((s) => s.paths[0]!),
      log,
    );
    service = await startService(database.url, log);

    // The HTTP ceiling serves the default view's exact bytes.
    const defaultResponse = await fetch(`${service.origin}${LIST_PATH}?${DEFAULT_VIEW_QUERY}`);
    const body = Buffer.from(await defaultResponse.arrayBuffer());
    if (defaultResponse.status !== 200) throw new Error(`bench: default view answered ${defaultResponse.status}: ${body.toString()}`);
    const bodyFile = path.join(tmp, 'default-view.json');
    writeFileSync(bodyFile, body);
    bare = await startBareServer(bodyFile);
    const ceilingPasses = new Map<number, LoadResult[]>();
    const ceilingAt = (connections: number, seconds: number) =>
      httpLoad({
        origin: bare!.origin,
        connections,
        seconds,
        warmupSeconds: Math.min(options.warmupSeconds, 1),
        path: `${LIST_PATH}?${DEFAULT_VIEW_QUERY}`,
        serverPid: bare!.child.pid,
      });
    const measureCeiling = async (pass: number) => {
      for (const connections of options.connections) {
        const result = await httpLoad({
          origin: bare!.origin,
          connections,
          seconds: options.seconds,
          warmupSeconds: options.warmupSeconds,
          path: `${LIST_PATH}?${DEFAULT_VIEW_QUERY}`,
          serverPid: bare!.child.pid,
        });
        ceilingPasses.set(connections, [...(ceilingPasses.get(connections) ?? []), result]);
        log(`  HTTP ceiling (pass ${pass}) c=${connections}: ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms`);
      }
    };
    await measureCeiling(1);

    const scenarioResults: ScenarioResult[] = [];
    for (const scenario of selected) {
      scenarioResults.push(
        await runScenario(scenario, {
          service,
          admin,
          floorDb: floorPool.db,
          url: database.url,
          options,
          ceiling: options.pairedCeilingSeconds > 0 ? (connections) => ceilingAt(connections, options.pairedCeilingSeconds) : null,
        }),
      );
    }

    // The flood and the outage run where every scenario runs (the headline corpus).
    const flood = wanted === null ? await runFlood(service, databaseBoundPaths(facts, 11), options.seconds, log) : undefined;
    const mixedPaths = scenarios.find((s) => s.id === 'mixed')?.paths ?? [];
    const outage =
      wanted === null ? await runOutage(database.url, mixedPaths, facts.contractIds, databaseBoundPaths(facts, 12), options.seconds, log) : undefined;
    await measureCeiling(2);
    const ceiling: CeilingResult[] = options.connections.map((connections) => {
      const passes = ceilingPasses.get(connections) ?? [];
      const mean = (pick: (r: LoadResult) => number) => passes.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, passes.length);
      return { connections, passes, rps: mean((r) => r.rps), p50: mean((r) => r.p50), p99: mean((r) => r.p99) };
    });
    // Ratios against the paired ceiling, else the mean of both passes.
    const finalScenarios = scenarioResults.map((scenario) => ({
      ...scenario,
      runs: scenario.runs.map((run) => {
        const c = ceiling.find((entry) => entry.connections === run.connections)!;
        return { ...run, vsCeiling: run.service.rps / (run.ceiling?.rps ?? c.rps) };
      }),
    }));
    const { contractIds, searchWords: _w, typeIds: _t, systems: _s, stations: _st, taxonomy: _tx, ...corpus } = facts;
    return {
      size,
      readModel,
      flood,
      outage,
      corpus: { ...corpus, contracts: contractIds.length, databaseBytes: Number(dbSize!.bytes) },
      bodyBytes: body.length,
      ceiling,
      scenarios: finalScenarios,
      seconds: (performance.now() - sizeStarted) / 1000,
      loadAverage: [loadBefore, os.loadavg()[0]!],
    };
  } finally {
    await bare?.child.stop();
    await service?.child.stop();
    await floorPool.close();
    await admin.end({ timeout: 5 });
    await database.drop();
    rmSync(tmp, { recursive: true, force: true });
    unregisterTmp();
  }
}

interface ScenarioContext {
  readonly service: { child: Child; origin: string };
  readonly admin: postgres.Sql;
  readonly floorDb: ReturnType<typeof openFloorPool>['db'];
  readonly url: string;
  readonly options: ReadPathOptions;
  readonly ceiling: ((connections: number) => Promise<LoadResult>) | null;
}

async function runScenario(scenario: ReadScenario, context: ScenarioContext): Promise<ScenarioResult> {
  const { service, admin, options, floorDb } = context;
  const { log } = options;
  log(`  scenario ${scenario.id}: ${scenario.title}`);
  const statements = await statementsPerRequest(context.url, scenario);

  // Cold: bump the generation (as a sync commit would), then time one request whose ETag shows
  // the new generation, i.e. one computed in a fresh snapshot rather than served from the cache.
  const coldPaths = pathCycle(scenario, Math.floor(scenario.paths.length / 2));
  const cold: number[] = [];
  let matches: number | null = null;
  let responseBytes = 0;
  const samplePath = coldPaths();
  for (let probe = 0; probe < options.coldProbes; probe++) {
    const [bumped] = await admin<{ generation: string }[]>`
      UPDATE sync_state SET generation = generation + 1, generation_changed_at = now() WHERE id = 1 RETURNING generation`;
    const generation = Number(bumped!.generation);
    const target = probe === 0 ? samplePath : coldPaths();
    for (let attempt = 0; attempt < 200; attempt++) {
      const started = performance.now();
      const response = await fetch(`${service.origin}${target}`);
      const text = await response.text();
      const elapsed = performance.now() - started;
      if (response.status !== 200 && response.status !== 404) throw new Error(`bench: ${target} answered ${response.status}: ${text.slice(0, 300)}`);
      if (response.status === 404 || etagGeneration(response.headers.get('etag')) >= generation) {
        cold.push(elapsed);
        if (probe === 0) {
          responseBytes = Buffer.byteLength(text);
          if (scenario.kind === 'list') matches = (JSON.parse(text) as { total: number }).total;
        }
        break;
      }
      await sleep(5);
    }
  }
  const coldSummary = summarize(cold);

  const runs: ScenarioRun[] = [];
  // One path sequence per scenario across both concurrencies, so the mixed scenario never repeats
  // a combination within a run (and a repeat a minute later misses the per-minute cache key anyway).
  const servicePaths: string | (() => string) =
    scenario.kind !== 'detail' && scenario.paths.length === 1 ? scenario.paths[0]! : pathCycle(scenario, 0);
  for (const connections of options.connections) {
    const ceiling = context.ceiling ? await context.ceiling(connections) : null;
    // Every concurrency starts from an empty result cache (a new generation), so the detail
    // scenario's hit ratio at c=64 does not inherit what the c=16 run cached.
    await admin`UPDATE sync_state SET generation = generation + 1, generation_changed_at = now() WHERE id = 1`;
    await sleep(50);
    let before = { hit: 0, miss: 0 };
    const result = await httpLoadMeasured(service.origin, service.child.pid, connections, options, servicePaths, async () => {
      before = await scrapeCache(service.origin);
    });
    const after = await scrapeCache(service.origin);
    const lookups = after.hit + after.miss - before.hit - before.miss;
    const cacheHitRatio = lookups > 0 ? (after.hit - before.hit) / lookups : null;
    if (result.non2xx > 0 || result.errors > 0) {
      log(`    warning: ${result.non2xx} non-2xx, ${result.errors} errors: ${JSON.stringify(result.statusCodes)}`);
    }
    const floor = await floorLoad({
      connections,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      work: floorWork(floorDb, scenario),
    });
    const run: ScenarioRun = {
      connections,
      service: result,
      floor,
      ceiling,
      cacheHitRatio,
      vsCeiling: ceiling ? result.rps / ceiling.rps : Number.NaN,
      vsFloor: result.rps / floor.rps,
      statementsPerRequest: cacheHitRatio === null ? null : statements.statements * (1 - cacheHitRatio),
    };
    runs.push(run);
    log(
      `    c=${connections}: service ${fmt(result.rps, 0)} req/s p50 ${fmt(result.p50, 2)} p99 ${fmt(result.p99, 2)} ms` +
        (ceiling ? ` | ceiling ${fmt(ceiling.rps, 0)} req/s, ÷ceiling ${fmt(run.vsCeiling, 2)}` : '') +
        ` | floor ${fmt(floor.rps, 0)} req/s p50 ${fmt(floor.p50, 2)} ms | ÷floor ${fmt(run.vsFloor, 2)}` +
        ` | cache hits ${cacheHitRatio === null ? '–' : `${fmt(cacheHitRatio * 100, 1)} %`}`,
    );
  }
  return {
    id: scenario.id,
    title: scenario.title,
    kind: scenario.kind,
    cacheable: scenario.cacheable,
    ceilingTarget: scenario.ceilingTarget,
    samplePath,
    distinctPaths: scenario.kind === 'detail' ? -1 : scenario.paths.length,
    matches,
    responseBytes,
    uncachedStatements: statements.statements,
    statementText: statements.text,
    cold: coldSummary,
    runs,
  };
}

/** Warm-up, then `between` (a metrics scrape), then the measured window. */
async function httpLoadMeasured(
  origin: string,
  serverPid: number,
  connections: number,
  options: ReadPathOptions,
  paths: string | (() => string),
  between: () => Promise<void>,
): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await httpLoad({ origin, connections, seconds: options.warmupSeconds, warmupSeconds: 0, path: paths });
  await between();
  return httpLoad({ origin, connections, seconds: options.seconds, warmupSeconds: 0, path: paths, serverPid });
}

export { SERVICE_POOL_SIZE };
