/**
 * Sync path: the fake ESI (bench/fake-esi-child.ts, its own process) and the real sync CLI
 * (src/cli/sync.ts, its own process) on scratch databases, against two baselines taken in the
 * same run: the fetch floor (every request of the sync's log replayed with a plain undici loop at
 * the same concurrency) and the write floor (the synced contract and item rows COPYed into fresh
 * unindexed tables).
 */
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { Pool } from 'undici';
import type { FakeEsiOptions, FakeEsiStats, RequestLogEntry } from '../../test/fake-esi/index.js';
import type { DatabaseServer, ScratchDatabase } from './db.js';
import { freePort } from '../../src/db/embedded.js';
import { httpLoad, type LoadResult } from './load.js';
import { sleep, spawnChild, spawnNpmScript, spawnTs, watchPeakRss, type Child } from './procs.js';
import { startService } from './read-path.js';

export interface SyncPathOptions {
  /** The main universe: The Forge at `forge` contracts plus `smallRegions` regions of `smallSize`. */
  readonly forge: number;
  readonly smallRegions: number;
  readonly smallSize: number;
  /** The comparison universe for peak RSS (same small regions, a smaller Forge). */
  readonly forgeSmall: number;
  /** The latency scenario's universe (one region) and its per-request latency. */
  readonly latencyContracts: number;
  readonly latencyMs: number;
  /** ESI_MAX_RPS / ESI_MAX_CONCURRENCY of the main runs, and the governor defaults for the latency run. */
  readonly rps: number;
  readonly concurrency: number;
  readonly defaultRps: number;
  readonly defaultConcurrency: number;
  /** Share of every region's contracts that appear, and vanish, before the incremental sync. */
  readonly churnShare: number;
  /** Length of each measured window of the reads-during-a-cold-sync scenario. */
  readonly readWindowSeconds: number;
  /** Largest item list of the fake universes (undefined: the fake's default, 250). */
  readonly maxItemsPerContract?: number;
  readonly log: (line: string) => void;
}

export interface SyncRunResult {
  readonly scenario: string;
  readonly exitCode: number | null;
  readonly outcome: string | null;
  /** Process wall time, spawn to exit (Node start and tsx included). */
  readonly wallSeconds: number;
  /** started_at → finished_at of the run record (the run itself). */
  readonly runSeconds: number | null;
  readonly peakRssBytes: number | null;
  readonly requests: number;
  /** By ESI route id (E1–E7): total and per status. */
  readonly byRoute: Record<string, { total: number; byStatus: Record<string, number> }>;
  readonly earlyPolls: number;
  /** The CLI's sync.finished counters (contracts new/closed, item rows, …). */
  readonly counters: Record<string, unknown>;
  /** Requests per second between the 10 % and 90 % marks of the run's requests (sampled). */
  readonly achievedRps: number | null;
  /** All requests ÷ process wall time. */
  readonly overallRps: number;
  readonly configuredRps: number;
  readonly configuredConcurrency: number;
  /** Rows stored after the run. */
  readonly storedContracts: number;
  readonly storedItems: number;
  /** Rows the run inserted, updated and deleted, per table (PostgreSQL's own statistics). */
  readonly rowWrites: RowWrites;
}

interface TableWrites {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
}

export interface RowWrites {
  readonly contracts: TableWrites;
  readonly items: TableWrites;
}

export interface FetchFloorResult {
  readonly requests: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly rps: number;
  readonly byStatus: Record<string, number>;
  /** The least time a client obeying the same token bucket (ESI_MAX_RPS, burst ⌈rps⌉) needs. */
  readonly pacedSeconds: number;
}

export interface WriteFloorResult {
  readonly contracts: number;
  readonly items: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly contractSeconds: number;
  readonly itemSeconds: number;
}

/** List answers while a cold sync commits batch after batch, against the same views once it stops (docs/read-path.md §6). */
export interface ReadsDuringSyncResult {
  readonly seconds: number;
  readonly connections: number;
  /** Data generations committed during the measured window. */
  readonly generationsDuring: number;
  /** Open contracts when the window started and ended. */
  readonly contractsAtStart: number;
  readonly contractsAtEnd: number;
  readonly during: LoadResult;
  /** The same requests once the sync has stopped and the generation rests (cacheable). */
  readonly cached: LoadResult;
  readonly p50Ratio: number;
}

/** AGGREGATION_REGION_IDS=all (docs/sync.md): every known-space region of the fake, The Forge large. */
export interface AllRegionsResult {
  readonly regions: number;
  readonly forge: number;
  readonly smallSize: number;
  readonly cold: SyncRunResult;
  /** Seconds from the process start until every region's first listing sweep was committed. */
  readonly listingCommittedSeconds: number | null;
  readonly listingPages: number;
  /** (listing pages ÷ ESI_MAX_RPS) × 1.2 + 10 s. */
  readonly listingTargetSeconds: number;
  /** Seconds from the process start until the first items request: after every listing, when discovery comes first. */
  readonly firstItemsSeconds: number | null;
  /** A run with every listing expired and unchanged: only listing requests (304s) and due bids polls may be sent. */
  readonly warm: SyncRunResult;
}

export interface SyncPathResult {
  readonly universe: { regions: number; contracts: number; forge: number; smallRegions: number; smallSize: number; redis: boolean };
  readonly cold: SyncRunResult;
  readonly fetchFloor: FetchFloorResult;
  readonly writeFloor: WriteFloorResult;
  readonly warm: SyncRunResult;
  readonly warmExpired: SyncRunResult;
  readonly incremental: SyncRunResult & { appeared: number; vanished: number };
  readonly coldSmall: SyncRunResult & { forge: number };
  readonly latency: SyncRunResult & { latencyMs: number; contracts: number };
  readonly readsDuringSync?: ReadsDuringSyncResult;
  readonly allRegions?: AllRegionsResult;
  readonly ratios: {
    /** cold wall ÷ (paced fetch floor + write floor): the headline (the sync must obey ESI_MAX_RPS). */
    coldVsFloors: number;
    /** cold wall ÷ (unpaced fetch floor + write floor): what the rate cap costs. */
    coldVsUnpacedFloors: number;
    /** Process wall times (what `npm run sync` costs). */
    warmVsCold: number;
    warmExpiredVsCold: number;
    /** Run-record durations (the run without Node/tsx start-up). */
    warmVsColdRun: number;
    warmExpiredVsColdRun: number;
    latencyAchievedVsConfigured: number;
    coldAchievedVsConfigured: number;
    peakRssLargeVsSmall: number;
  };
  readonly seconds: number;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** The fake ESI child and its IPC control. */
class FakeEsiProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    readonly child: Child,
    readonly url: string,
  ) {
    child.process.on('message', (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`fake ESI: ${message.error}`));
    });
  }

  static async start(options: FakeEsiOptions): Promise<FakeEsiProcess> {
    const child = spawnTs('fake-esi', 'bench/fake-esi-child.ts', [], { ipc: true, env: { FAKE_ESI_OPTIONS: JSON.stringify(options) } });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake ESI did not start\n${child.output()}`)), 120_000);
      child.process.once('message', (message: Reply) => {
        clearTimeout(timer);
        if (message.ok) resolve((message.result as { url: string }).url);
        else reject(new Error(`fake ESI: ${message.error}`));
      });
      void child.exited.then(() => reject(new Error(`fake ESI exited\n${child.output()}`)));
    });
    return new FakeEsiProcess(child, url);
  }

  call<T>(cmd: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.process.send({ id, cmd, args });
    });
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

const USER_AGENT = 'HangarBayBench/{version} (bench@example.com)';

interface SyncEnv {
  readonly databaseUrl: string;
  readonly esi: FakeEsiProcess;
  /** The regions to sync, or 'all' (AGGREGATION_REGION_IDS=all: the sync asks ESI's E8). */
  readonly regionIds: readonly number[] | 'all';
  readonly rps: number;
  readonly concurrency: number;
  readonly redisUrl: string;
}

function writesBetween(before: RowWrites, after: RowWrites): RowWrites {
  const delta = (a: TableWrites, b: TableWrites): TableWrites => ({
    inserted: b.inserted - a.inserted,
    updated: b.updated - a.updated,
    deleted: b.deleted - a.deleted,
  });
  return { contracts: delta(before.contracts, after.contracts), items: delta(before.items, after.items) };
}

/**
 * Rows stored, the last run record's duration, and the cumulative row writes of the two big
 * tables. A backend reports its write counts when it exits (and at most once a second before
 * that), so after a run this is read a moment after the sync process has gone.
 */
async function databaseFacts(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ contracts: string; items: string; run_seconds: number | null }[]>`
      SELECT (SELECT count(*) FROM contracts) AS contracts, (SELECT count(*) FROM contract_items) AS items,
             (SELECT extract(epoch FROM finished_at - started_at)::float8 FROM sync_runs
               WHERE scope = 'run' ORDER BY id DESC LIMIT 1) AS run_seconds`;
    const stats = await sql<{ relname: string; inserted: string; updated: string; deleted: string }[]>`
      SELECT relname, n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_del AS deleted
      FROM pg_stat_user_tables WHERE relname IN ('contracts', 'contract_items')`;
    const writesOf = (name: string): TableWrites => {
      const entry = stats.find((candidate) => candidate.relname === name);
      return { inserted: Number(entry?.inserted ?? 0), updated: Number(entry?.updated ?? 0), deleted: Number(entry?.deleted ?? 0) };
    };
    const writes: RowWrites = { contracts: writesOf('contracts'), items: writesOf('contract_items') };
    return {
      contracts: Number(row!.contracts),
      items: Number(row!.items),
      runSeconds: row!.run_seconds === null ? null : Number(row!.run_seconds),
      writes,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Requests per second between the 10 % and 90 % marks of `total`, interpolated from samples. */
function slope(samples: readonly [number, number][], total: number): number | null {
  if (total < 20 || samples.length < 3) return null;
  const at = (target: number) => {
    for (let i = 1; i < samples.length; i++) {
      const [t1, n1] = samples[i]!;
      const [t0, n0] = samples[i - 1]!;
      if (n1 >= target) return n1 === n0 ? t1 : t0 + ((target - n0) / (n1 - n0)) * (t1 - t0);
    }
    return null;
  };
  const t10 = at(0.1 * total);
  const t90 = at(0.9 * total);
  if (t10 === null || t90 === null || t90 <= t10) return null;
  return (0.8 * total * 1000) / (t90 - t10);
}

/** The sync CLI as `npm run sync` runs it, against the fake ESI. */
function spawnSync(env: SyncEnv): Child {
  return spawnNpmScript('sync', 'sync', ['--json'], {
    keepStdout: true,
    env: {
      DATABASE_URL: env.databaseUrl,
      ESI_BASE_URL: env.esi.url,
      AGGREGATION_REGION_IDS: env.regionIds === 'all' ? 'all' : env.regionIds.join(','),
      ESI_DOWNTIME_WINDOW: 'off',
      ESI_MAX_RPS: String(env.rps),
      ESI_MAX_CONCURRENCY: String(env.concurrency),
      ESI_USER_AGENT: USER_AGENT,
      LOG_LEVEL: 'warn',
      REDIS_URL: env.redisUrl,
      ROLE: 'worker',
    },
  });
}

async function runSync(
  scenario: string,
  env: SyncEnv,
  log: (line: string) => void,
  watch?: (started: number) => Promise<void>,
  onExit?: () => void,
): Promise<SyncRunResult> {
  await env.esi.call('resetStats');
  const before = await databaseFacts(env.databaseUrl);
  const started = performance.now();
  const child = spawnSync(env);
  const watching = watch?.(started);
  const memory = watchPeakRss(child.pid);
  const samples: [number, number][] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        samples.push([performance.now(), await env.esi.call<number>('total')]);
      } catch {
        // the fake is busy or gone; the next sample will do
      }
      await sleep(200);
    }
  })();
  const { code } = await child.exited;
  const wallSeconds = (performance.now() - started) / 1000;
  onExit?.();
  await watching;
  const peak = memory.peakBytes();
  memory.stop();
  sampling = false;
  await sampler;
  const stats = await env.esi.call<FakeEsiStats>('stats');
  samples.push([performance.now(), stats.total]);
  const finished = child
    .stdoutLines()
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .find((entry) => entry?.msg === 'sync.finished');
  if (code !== 0 && code !== 1) log(`    warning: sync exited with ${code}\n${child.output()}`);
  await sleep(1500);
  const stored = await databaseFacts(env.databaseUrl);
  const rowWrites = writesBetween(before.writes, stored.writes);
  const byRoute = Object.fromEntries(
    Object.entries(stats.routes).map(([route, entry]) => [route, { total: entry.total, byStatus: entry.by_status }]),
  );
  const { msg: _msg, ...counters } = finished ?? {};
  const result: SyncRunResult = {
    scenario,
    exitCode: code,
    outcome: typeof finished?.outcome === 'string' ? finished.outcome : null,
    wallSeconds,
    runSeconds: stored.runSeconds,
    peakRssBytes: peak,
    requests: stats.total,
    byRoute,
    earlyPolls: stats.early_polls_total,
    counters,
    achievedRps: slope(samples, stats.total),
    overallRps: stats.total / wallSeconds,
    configuredRps: env.rps,
    configuredConcurrency: env.concurrency,
    storedContracts: stored.contracts,
    storedItems: stored.items,
    rowWrites,
  };
  const routes = Object.entries(byRoute)
    .map(([route, entry]) => `${route} ${Object.entries(entry.byStatus).map(([s, n]) => `${s}×${n}`).join(' ')}`)
    .join(', ');
  log(
    `    ${scenario}: ${wallSeconds.toFixed(1)} s wall (run ${stored.runSeconds?.toFixed(1) ?? '?'} s), outcome ${result.outcome}, ` +
      `${stats.total} requests [${routes || 'none'}], ` +
      `${result.achievedRps === null ? '' : `${result.achievedRps.toFixed(1)} req/s (10–90 %), `}peak RSS ${peak === null ? '?' : `${(peak / 2 ** 20).toFixed(0)} MB`}, ` +
      `new ${String(counters.contractsNew ?? '?')} closed ${String(counters.contractsClosed ?? '?')} item rows ${String(counters.itemRows ?? '?')}, ` +
      `rows written: contracts +${rowWrites.contracts.inserted} ~${rowWrites.contracts.updated} −${rowWrites.contracts.deleted}, ` +
      `items +${rowWrites.items.inserted} ~${rowWrites.items.updated} −${rowWrites.items.deleted}`,
  );
  return result;
}

/** Replays the logged requests with undici at `concurrency`, as fast as the fake answers. */
async function fetchFloor(origin: string, entries: readonly RequestLogEntry[], concurrency: number, rps: number): Promise<FetchFloorResult> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const byStatus: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      const query = new URLSearchParams(Object.entries(entry.query)).toString();
      const headers: Record<string, string> = { ...entry.headers };
      const isPost = entry.method === 'POST';
      const body = isPost ? JSON.stringify(entry.ids ?? []) : undefined;
      if (isPost) headers['content-type'] = 'application/json';
      const response = await pool.request({
        origin,
        path: query === '' ? entry.path : `${entry.path}?${query}`,
        method: isPost ? 'POST' : 'GET',
        headers,
        body,
      });
      await response.body.arrayBuffer();
      byStatus[String(response.statusCode)] = (byStatus[String(response.statusCode)] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const burst = Math.max(1, Math.ceil(rps));
  return {
    requests: entries.length,
    concurrency,
    seconds,
    rps: entries.length / seconds,
    byStatus,
    pacedSeconds: Math.max(seconds, Math.max(0, entries.length - burst) / rps),
  };
}

/** Reads the synced rows back, then times COPY FROM STDIN into fresh unindexed tables. */
async function writeFloor(url: string): Promise<WriteFloorResult> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const columns = async (table: string) =>
      (
        await sql<{ column_name: string }[]>`
          SELECT column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = ${table} AND is_generated = 'NEVER' ORDER BY ordinal_position`
      ).map((row) => `"${row.column_name}"`);
    // Rows as COPY text: every value read as its text form, escaped per the COPY text format.
    const escape = (value: string | null) =>
      value === null ? '\\N' : value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    const read = async (table: string, list: string[]) => {
      const rows = await sql.unsafe(`SELECT ${list.map((column) => `${column}::text`).join(', ')} FROM ${table}`).values();
      return Buffer.from(rows.map((row) => `${(row as (string | null)[]).map(escape).join('\t')}\n`).join(''));
    };
    const contractColumns = await columns('contracts');
    const itemColumns = await columns('contract_items');
    const contractData = await read('contracts', contractColumns);
    const itemData = await read('contract_items', itemColumns);
    await sql.unsafe(`DROP TABLE IF EXISTS bench_copy_contracts, bench_copy_items`);
    await sql.unsafe(`CREATE TABLE bench_copy_contracts AS SELECT ${contractColumns.join(', ')} FROM contracts WITH NO DATA`);
    await sql.unsafe(`CREATE TABLE bench_copy_items AS SELECT ${itemColumns.join(', ')} FROM contract_items WITH NO DATA`);
    const copy = async (table: string, data: Buffer) => {
      const started = performance.now();
      const writable = await sql.unsafe(`COPY ${table} FROM STDIN`).writable();
      await new Promise<void>((resolve, reject) => {
        writable.on('error', reject);
        writable.on('finish', () => resolve());
        writable.end(data);
      });
      return (performance.now() - started) / 1000;
    };
    const contractSeconds = await copy('bench_copy_contracts', contractData);
    const itemSeconds = await copy('bench_copy_items', itemData);
    const [counts] = await sql<{ contracts: string; items: string }[]>`
      SELECT (SELECT count(*) FROM bench_copy_contracts) AS contracts, (SELECT count(*) FROM bench_copy_items) AS items`;
    await sql.unsafe(`DROP TABLE bench_copy_contracts, bench_copy_items`);
    return {
      contracts: Number(counts!.contracts),
      items: Number(counts!.items),
      bytes: contractData.length + itemData.length,
      seconds: contractSeconds + itemSeconds,
      contractSeconds,
      itemSeconds,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

interface RedisHandle {
  readonly url: string;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private redis-server when one is on PATH: without Redis each CLI run has its own in-process
 * page cache, so a re-poll can never send If-None-Match (docs/sync.md §3.4) and no 304 is possible.
 */
async function startRedis(log: (line: string) => void): Promise<RedisHandle | null> {
  const port = await freePort();
  let child: Child;
  try {
    child = spawnChild('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  } catch {
    return null;
  }
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await client.connect();
      await client.ping();
      log(`  private redis-server on ${url} (pid ${child.pid})`);
      return {
        url,
        flush: async () => void (await client.flushall()),
        stop: async () => {
          client.disconnect();
          await child.stop();
        },
      };
    } catch {
      await sleep(100);
    }
  }
  client.disconnect();
  await child.stop();
  log('  redis-server did not start: syncing without Redis (re-polls get 200, not 304)');
  return null;
}

function fakeOptions(regions: number | 'all', forge: number, small: number, maxItems: number | undefined, extra: FakeEsiOptions = {}): FakeEsiOptions {
  return {
    ...(maxItems === undefined ? {} : { maxItemsPerContract: maxItems }),
    seed: 1,
    regions,
    contracts: small,
    firstRegionContracts: forge,
    // A frozen clock: listings never regenerate on their own, so "nothing changed" stays true and
    // every change is one the harness made. The sync computes lifetimes from Expires − Date, so
    // it is unaffected. No error-limit window ever resets on a frozen clock, so the budget is
    // made large enough never to matter (real ESI's window resets every 60 s).
    clock: 'virtual',
    alignPhase: true,
    churnRate: 0,
    errorLimit: 1_000_000_000,
    requestLogLimit: 2_000_000,
    ...extra,
  };
}

async function withUniverse<T>(
  server: DatabaseServer,
  label: string,
  options: FakeEsiOptions,
  work: (esi: FakeEsiProcess, database: ScratchDatabase, regionIds: number[]) => Promise<T>,
): Promise<T> {
  const esi = await FakeEsiProcess.start(options);
  let database: ScratchDatabase | null = null;
  try {
    database = await server.createDatabase(label);
    const regionIds = await esi.call<number[]>('regionIds');
    return await work(esi, database, regionIds);
  } finally {
    await esi.stop();
    await database?.drop();
  }
}

export async function runSyncPath(server: DatabaseServer, options: SyncPathOptions): Promise<SyncPathResult> {
  const { log } = options;
  const started = performance.now();
  const regions = 1 + options.smallRegions;
  log(
    `sync path: The Forge ${options.forge.toLocaleString('en-US')} + ${options.smallRegions} regions × ${options.smallSize} ` +
      `(ESI_MAX_RPS ${options.rps}, ESI_MAX_CONCURRENCY ${options.concurrency})`,
  );
  const redis = await startRedis(log);
  try {
    const main = await withUniverse(server, 'sync_main', fakeOptions(regions, options.forge, options.smallSize, options.maxItemsPerContract), async (esi, database, regionIds) => {
      const env: SyncEnv = { databaseUrl: database.url, esi, regionIds, rps: options.rps, concurrency: options.concurrency, redisUrl: redis?.url ?? '' };
      await redis?.flush();
      const cold = await runSync('cold', env, log);
      const entries = await esi.call<RequestLogEntry[]>('requests');
      const fetch = await fetchFloor(new URL(esi.url).origin, entries, options.concurrency, options.rps);
      log(
        `    fetch floor: ${fetch.requests} requests in ${fetch.seconds.toFixed(1)} s (${fetch.rps.toFixed(0)} req/s at concurrency ${fetch.concurrency}); ` +
          `paced at ${options.rps} req/s: ≥ ${fetch.pacedSeconds.toFixed(1)} s`,
      );
      const write = await writeFloor(database.url);
      log(
        `    write floor: COPY ${write.contracts} contracts + ${write.items} items (${(write.bytes / 2 ** 20).toFixed(1)} MB) in ${write.seconds.toFixed(2)} s`,
      );
      const warm = await runSync('warm (not due)', env, log);
      // The listings "expire" with nothing changed: each region publishes an identical generation
      // (same Last-Modified and ETags) and is made due, so the sync re-polls and gets 304s.
      for (const regionId of regionIds) await esi.call('regenerate', regionId, false);
      await makeDue(database.url);
      const warmExpired = await runSync('warm (expired, unchanged)', env, log);
      // 2 % of every region appear and 2 % vanish, published as a new generation.
      let appeared = 0;
      let vanished = 0;
      for (const regionId of regionIds) {
        const ids = await esi.call<number[]>('contractIds', regionId);
        const count = Math.max(1, Math.round(ids.length * options.churnShare));
        const step = ids.length / count;
        const gone = Array.from({ length: count }, (_, i) => ids[Math.floor(i * step)]!);
        await esi.call('removeContracts', gone);
        await esi.call('addContracts', regionId, count);
        await esi.call('regenerate', regionId, false);
        appeared += count;
        vanished += count;
      }
      await makeDue(database.url);
      const incremental = await runSync(`incremental (+${appeared} / −${vanished})`, env, log);
      return { cold, fetch, write, warm, warmExpired, incremental: { ...incremental, appeared, vanished }, contracts: cold.storedContracts };
    });

    const readsDuringSync = await withUniverse(
      server,
      'sync_reads',
      fakeOptions(regions, options.forge, options.smallSize, options.maxItemsPerContract),
      async (esi, database, regionIds) => {
        await redis?.flush();
        const env: SyncEnv = { databaseUrl: database.url, esi, regionIds, rps: options.rps, concurrency: options.concurrency, redisUrl: redis?.url ?? '' };
        return readsDuringColdSync(env, options.readWindowSeconds, log);
      },
    );

    const coldSmall = await withUniverse(server, 'sync_small', fakeOptions(regions, options.forgeSmall, options.smallSize, options.maxItemsPerContract), async (esi, database, regionIds) => {
      await redis?.flush();
      const env: SyncEnv = { databaseUrl: database.url, esi, regionIds, rps: options.rps, concurrency: options.concurrency, redisUrl: redis?.url ?? '' };
      return { ...(await runSync(`cold, The Forge at ${options.forgeSmall}`, env, log)), forge: options.forgeSmall };
    });

    const latency = await withUniverse(
      server,
      'sync_latency',
      fakeOptions(1, options.latencyContracts, 0, options.maxItemsPerContract, { latency: options.latencyMs }),
      async (esi, database, regionIds) => {
        await redis?.flush();
        const env: SyncEnv = {
          databaseUrl: database.url,
          esi,
          regionIds,
          rps: options.defaultRps,
          concurrency: options.defaultConcurrency,
          redisUrl: redis?.url ?? '',
        };
        const result = await runSync(`cold, ${options.latencyMs} ms per request, default governor`, env, log);
        return { ...result, latencyMs: options.latencyMs, contracts: options.latencyContracts };
      },
    );

    const allRegions = await runAllRegions(server, options, redis?.url ?? '', log);

    const floors = main.fetch.pacedSeconds + main.write.seconds;
    const ratios = {
      coldVsFloors: main.cold.wallSeconds / floors,
      coldVsUnpacedFloors: main.cold.wallSeconds / (main.fetch.seconds + main.write.seconds),
      warmVsCold: main.warm.wallSeconds / main.cold.wallSeconds,
      warmExpiredVsCold: main.warmExpired.wallSeconds / main.cold.wallSeconds,
      warmVsColdRun: (main.warm.runSeconds ?? Number.NaN) / (main.cold.runSeconds ?? Number.NaN),
      warmExpiredVsColdRun: (main.warmExpired.runSeconds ?? Number.NaN) / (main.cold.runSeconds ?? Number.NaN),
      latencyAchievedVsConfigured: (latency.achievedRps ?? latency.overallRps) / options.defaultRps,
      coldAchievedVsConfigured: (main.cold.achievedRps ?? main.cold.overallRps) / options.rps,
      peakRssLargeVsSmall: (main.cold.peakRssBytes ?? Number.NaN) / (coldSmall.peakRssBytes ?? Number.NaN),
    };
    return {
      universe: {
        regions,
        contracts: main.contracts,
        forge: options.forge,
        smallRegions: options.smallRegions,
        smallSize: options.smallSize,
        redis: redis !== null,
      },
      cold: main.cold,
      fetchFloor: main.fetch,
      writeFloor: main.write,
      warm: main.warm,
      warmExpired: main.warmExpired,
      incremental: main.incremental,
      coldSmall,
      latency,
      readsDuringSync,
      allRegions,
      ratios,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await redis?.stop();
  }
}

/**
 * Listing (E1) requests, bids polls (E9: each sent once its previous answer expired, which the
 * harness's minutes of real time make due) and the rest, from a run's requests by route.
 */
export function listingAndOther(run: Pick<SyncRunResult, 'byRoute'>): { listing: number; bids: number; other: number } {
  let listing = 0;
  let bids = 0;
  let other = 0;
  for (const [route, entry] of Object.entries(run.byRoute)) {
    if (route === 'E1') listing += entry.total;
    else if (route === 'E9') bids += entry.total;
    else other += entry.total;
  }
  return { listing, bids, other };
}

/**
 * The "all regions" scenario: a cold `AGGREGATION_REGION_IDS=all` run over every known-space region
 * (The Forge at `forge`, the others small, ~50k contracts in all), watched from the database for the
 * moment every region's listing is committed; then a warm cycle with every listing expired and
 * unchanged.
 */
async function runAllRegions(server: DatabaseServer, options: SyncPathOptions, redisUrl: string, log: (line: string) => void): Promise<AllRegionsResult> {
  const smallSize = Math.max(5, Math.round((options.forge * 0.43) / 64));
  return withUniverse(server, 'sync_all', fakeOptions('all', options.forge, smallSize, options.maxItemsPerContract), async (esi, database, regionIds) => {
    const env: SyncEnv = { databaseUrl: database.url, esi, regionIds: 'all', rps: options.rps, concurrency: options.concurrency, redisUrl };
    log(`  all regions: ${regionIds.length} regions, The Forge ${options.forge.toLocaleString('en-US')}, the others ${smallSize} each`);
    // Seconds from the process start; filled in by the watcher while the run goes on.
    const marks: { listingCommitted: number | null; firstItems: number | null } = { listingCommitted: null, firstItems: null };
    let running = true;
    const cold = await runSync('cold, AGGREGATION_REGION_IDS=all', env, log, async (started) => {
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        while (running && (marks.listingCommitted === null || marks.firstItems === null)) {
          const elapsed = (performance.now() - started) / 1000;
          if (marks.firstItems === null && (await esi.call<number>('routeTotal', 'E2')) > 0) marks.firstItems = elapsed;
          if (marks.listingCommitted === null) {
            const [row] = await sql<{ swept: string }[]>`
              SELECT count(*) AS swept FROM sync_regions WHERE last_snapshot_at IS NOT NULL`.catch(() => [{ swept: '0' }]);
            if (Number(row!.swept) >= regionIds.length) marks.listingCommitted = elapsed;
          }
          await sleep(100);
        }
      } finally {
        await sql.end({ timeout: 5 });
      }
    }, () => (running = false));
    const listingPages = listingAndOther(cold).listing;
    for (const regionId of regionIds) await esi.call('regenerate', regionId, false);
    await makeDue(database.url);
    const warm = await runSync('warm, AGGREGATION_REGION_IDS=all (expired, unchanged)', env, log);
    const listingTargetSeconds = (listingPages / options.rps) * 1.2 + 10;
    const { listingCommitted: listingCommittedSeconds, firstItems: firstItemsSeconds } = marks;
    const warmRequests = listingAndOther(warm);
    log(
      `    all regions: listing of every region committed after ${listingCommittedSeconds?.toFixed(1) ?? '?'} s (target ≤ ${listingTargetSeconds.toFixed(1)} s for ${listingPages} listing pages), ` +
        `first items request after ${firstItemsSeconds?.toFixed(1) ?? '?'} s, all items in after ${cold.wallSeconds.toFixed(1)} s; ` +
        `warm cycle ${warm.wallSeconds.toFixed(1)} s with ${warmRequests.bids} due bids polls and ${warmRequests.other} other requests`,
    );
    return {
      regions: regionIds.length,
      forge: options.forge,
      smallSize,
      cold,
      listingCommittedSeconds,
      listingPages,
      listingTargetSeconds,
      firstItemsSeconds,
      warm,
    };
  });
}

/** The web client's common views: the default view, its pages 2–5, each contract type, price ascending. */
const COMMON_VIEWS = [
  '/contracts/?is_ship_contract=true&page=1&size=50&sort_by=date_issued&sort_direction=desc',
  ...[2, 3, 4, 5].map((page) => `/contracts/?is_ship_contract=true&page=${page}&size=50&sort_by=date_issued&sort_direction=desc`),
  ...['item_exchange', 'auction', 'courier', 'loan', 'unknown'].map((type) => `/contracts/?contract_type=${type}`),
  '/contracts/?sort_by=price&sort_direction=asc',
];

async function apiState(origin: string): Promise<{ generation: number; openContracts: number }> {
  const ready = (await (await fetch(`${origin}/ready`)).json()) as { read_model: { generation: number | null; open_contracts: number } };
  return { generation: ready.read_model.generation ?? -1, openContracts: ready.read_model.open_contracts };
}

/**
 * A cold sync of the main universe with an API process (ROLE=api, read model on) serving the
 * common views to 16 clients: measured for `seconds` once the listings are in and items are landing
 * (the generation moving with every committed batch), then again once the sync has been stopped
 * and the data rests.
 */
async function readsDuringColdSync(env: SyncEnv, seconds: number, log: (line: string) => void): Promise<ReadsDuringSyncResult> {
  const api = await startService(env.databaseUrl, log);
  let sync: Child | null = null;
  try {
    sync = spawnSync(env);
    const deadline = Date.now() + 5 * 60_000;
    while ((await apiState(api.origin)).openContracts === 0) {
      if (Date.now() > deadline) throw new Error(`bench: no contract listed within 5 minutes\n${sync.output()}`);
      await sleep(200);
    }
    // The listings are committed; the items phase commits a batch after another from here on.
    await sleep(2000);
    const start = await apiState(api.origin);
    let next = 0;
    const path = () => COMMON_VIEWS[next++ % COMMON_VIEWS.length]!;
    const connections = 16;
    const during = await httpLoad({ origin: api.origin, connections, seconds, warmupSeconds: 0, path, serverPid: api.child.pid });
    const end = await apiState(api.origin);
    await sync.stop();
    // The model catches up with the last commits, then nothing moves.
    let resting = await apiState(api.origin);
    for (let i = 0; i < 100; i++) {
      await sleep(200);
      const now = await apiState(api.origin);
      if (now.generation === resting.generation) break;
      resting = now;
    }
    const cached = await httpLoad({ origin: api.origin, connections, seconds, warmupSeconds: 1, path, serverPid: api.child.pid });
    const result: ReadsDuringSyncResult = {
      seconds,
      connections,
      generationsDuring: end.generation - start.generation,
      contractsAtStart: start.openContracts,
      contractsAtEnd: end.openContracts,
      during,
      cached,
      p50Ratio: during.p50 / cached.p50,
    };
    log(
      `    reads during the cold sync: ${result.generationsDuring} generations in ${seconds} s (${start.openContracts} → ${end.openContracts} open contracts); ` +
        `common views p50/p99 ${during.p50.toFixed(2)}/${during.p99.toFixed(2)} ms (${during.rps.toFixed(0)} req/s, ${JSON.stringify(during.statusCodes)}); ` +
        `at rest ${cached.p50.toFixed(2)}/${cached.p99.toFixed(2)} ms; p50 ratio ${result.p50Ratio.toFixed(2)}`,
    );
    return result;
  } finally {
    await sync?.stop();
    await api.child.stop();
  }
}

/** Every region due now: what the passing of its Expires would do (the sync polls on the wall clock). */
async function makeDue(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`UPDATE sync_regions SET next_poll_at = now() - interval '1 second'`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
