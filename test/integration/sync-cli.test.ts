import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVISORY_LOCK_KEY } from '../../src/sync/lock.js';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout split into lines (empty lines dropped). */
  readonly lines: string[];
  readonly elapsedMs: number;
}

/**
 * The CLI as operators run it (`npm run sync` = tsx src/cli/sync.ts), in a child process whose
 * stdout and stderr are pipes, i.e. not terminals. `node --import tsx` instead of `npx tsx`: the
 * same loader without npx's wrapper processes, so the exit status is the CLI's own.
 */
function runCli(env: Record<string, string>, args: readonly string[] = []): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/sync.ts', ...args], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stdout, stderr, lines: stdout.split('\n').filter((l) => l.trim() !== ''), elapsedMs: Date.now() - started }),
    );
  });
}

function jsonLines(result: CliResult): Record<string, unknown>[] {
  return result.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function finished(result: CliResult): Record<string, unknown> {
  const last = jsonLines(result).at(-1);
  expect(last?.msg).toBe('sync.finished');
  return last!;
}

async function count(db: TestDatabase, query: ReturnType<typeof sql>): Promise<number> {
  const rows = await db.db.execute<{ n: string }>(query);
  return Number(rows[0]!.n);
}

const PROGRESS_FIELDS = [
  'phase', 'region_id', 'pages_done', 'pages_total', 'contracts_new', 'contracts_closed', 'items_done', 'items_total', 'rate_per_s', 'eta_s',
];

describe('sync CLI (docs/sync.md §6)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let baseEnv: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    // E2 latency with two lanes stretches the full run past the 5 s progress interval on any machine.
    esi = await startFakeEsi({ regions: 2, contracts: 30, firstRegionContracts: 60, seed: 21, alignPhase: true, latency: { E2: 300 } });
    baseEnv = {
      DATABASE_URL: db.url,
      ESI_BASE_URL: esi.url,
      ESI_DOWNTIME_WINDOW: 'off',
      ESI_MAX_RPS: '100',
      ESI_MAX_CONCURRENCY: '2',
      ESI_USER_AGENT: 'HangarBayTests/{version} (tests@example.com)',
      AGGREGATION_REGION_IDS: '10000002,10000043',
      ENVIRONMENT: 'test',
    };
  });
  afterAll(async () => {
    await esi?.close();
    await db?.drop();
  });

  it('exits 78 on a bad configuration, a --regions outside the configured ones or an unknown option, before touching ESI or the database (cases 122, 128)', async () => {
    const [result, foreignRegion, unknownFlag] = await Promise.all([
      runCli({ ...baseEnv, ESI_MAX_RPS: 'fast' }),
      runCli(baseEnv, ['--regions', '10000030']),
      runCli(baseEnv, ['--bogus']),
    ]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "fast")');
    expect(foreignRegion.code, foreignRegion.stderr).toBe(78);
    expect(unknownFlag.code, unknownFlag.stderr).toBe(78);
    expect(esi.control.stats().total).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM sync_runs`)).toBe(0);
  });

  it('exits 3 with sync.skipped lock_held and no ESI request while another connection holds the advisory lock (cases 117, 122)', async () => {
    // One connection holds the lock (a transaction keeps its connection) until the CLI has run.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = db.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_lock(${ADVISORY_LOCK_KEY.toString()}::bigint)`;
      locked();
      await released;
      await tx`SELECT pg_advisory_unlock(${ADVISORY_LOCK_KEY.toString()}::bigint)`;
    });
    try {
      await isLocked;
      const result = await runCli(baseEnv);
      expect(result.code).toBe(3);
      const lines = jsonLines(result);
      expect(lines.some((l) => l.msg === 'sync.skipped' && l.reason === 'lock_held')).toBe(true);
      expect(finished(result)).toMatchObject({ outcome: 'skipped', reason: 'lock_held' });
    } finally {
      release();
      await holding;
    }
    expect(esi.control.stats().total).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM sync_runs`)).toBe(0);
  });

  it('exits 3 inside the downtime window without a request or run record (case 122)', async () => {
    const minute = (offset: number) => {
      const d = new Date(Date.now() + offset * 60_000);
      return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    };
    const result = await runCli({ ...baseEnv, ESI_DOWNTIME_WINDOW: `${minute(-2)}-${minute(3)}` });
    expect(result.code).toBe(3);
    expect(finished(result)).toMatchObject({ outcome: 'skipped', reason: 'downtime' });
    expect(esi.control.stats().total).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM sync_runs`)).toBe(0);
  });

  it('--regions 10000043 --no-items sweeps only that region and sends no E2 (case 124)', async () => {
    const result = await runCli(baseEnv, ['--regions', '10000043', '--no-items']);
    expect(result.code).toBe(0);
    expect(finished(result)).toMatchObject({ outcome: 'success' });
    const listing = esi.control.requests({ route: 'E1' });
    expect(listing.length).toBeGreaterThan(0);
    expect(new Set(listing.map((r) => r.regionId))).toEqual(new Set([10000043]));
    expect(esi.control.stats().routes.E2?.total ?? 0).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM contracts WHERE region_id <> 10000043`)).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM contracts`)).toBe(esi.control.universe.contractIds(10000043).length);
    expect(await count(db, sql`SELECT count(*) AS n FROM contract_items`)).toBe(0);
  });

  it('a full run on pipes: only JSON lines, sync.progress every 5 s with the case-123 fields, sync.finished, exit 0; a region not due is skipped (cases 122–124)', { timeout: 120_000 }, async () => {
    esi.control.resetStats();
    const result = await runCli(baseEnv);
    expect(result.code, result.stderr).toBe(0);
    const lines = jsonLines(result); // throws on any non-JSON line
    expect(lines.length).toBe(result.lines.length);

    const progress = lines.filter((l) => l.msg === 'sync.progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const line of progress) for (const field of PROGRESS_FIELDS) expect(line).toHaveProperty(field);
    const times = progress.map((l) => Date.parse(String(l.time)));
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeLessThan(6_000);
    expect(progress.some((l) => l.phase === 'items' && Number(l.items_total) > 0)).toBe(true);

    const end = finished(result);
    expect(end).toMatchObject({ outcome: 'success', contractsNew: esi.control.universe.contractIds(10000002).length });
    expect(Number(end.itemsFetched)).toBeGreaterThan(0);

    // 10000043 was swept by the previous run: not due, reported, not requested.
    expect(lines.some((l) => l.region_id === 10000043 && String(l.msg).startsWith('region not due until'))).toBe(true);
    expect(new Set(esi.control.requests({ route: 'E1' }).map((r) => r.regionId))).toEqual(new Set([10000002]));
    expect(await count(db, sql`
      SELECT count(*) AS n FROM contracts WHERE type IN ('item_exchange','auction') AND items_status = 'pending'`)).toBe(0);
    const runs = await db.db.execute<{ outcome: string }>(sql`SELECT outcome FROM sync_runs WHERE scope = 'run' ORDER BY id`);
    expect(runs.map((r) => r.outcome)).toEqual(['success', 'success']);
  });

  it('on a terminal: a live display on stderr (regions, pages k/N, items done/total), then the summary table; no JSON progress (case 124)', { timeout: 120_000 }, async () => {
    const other = await createTestDatabase();
    try {
      // script(1) gives the CLI a pseudo-terminal, as an operator's shell does; -e passes on its exit status.
      const command = `${process.execPath} --import tsx src/cli/sync.ts --regions 10000043 --items-budget all`;
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: process.cwd(),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...baseEnv, DATABASE_URL: other.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let screen = '';
      child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', resolve);
      });
      expect(code, screen).toBe(0);
      expect(screen).toContain('hangar-bay sync');
      expect(screen).toMatch(/region 10000043: (sweeping|success)/);
      // One listing page for this region: the display counts it against the total X-Pages gave.
      expect(screen).toContain('pages 1/1');
      expect(screen).toMatch(/items \d+\/\d+/);
      expect(screen).toMatch(/region +outcome +detail\r?\n +10000043 +success/);
      expect(screen).toMatch(/outcome success/);
      expect(screen).not.toContain('sync.progress');
    } finally {
      await other.drop();
    }
  });

  it('exits 1 when one region 404s and 2 when every region fails (case 122)', { timeout: 120_000 }, async () => {
    const other = await createTestDatabase();
    try {
      const partial = await runCli({ ...baseEnv, DATABASE_URL: other.url, AGGREGATION_REGION_IDS: '10000002,10000099' }, ['--no-items']);
      expect(partial.code, partial.stderr).toBe(1);
      expect(finished(partial)).toMatchObject({ outcome: 'partial' });
      const regions = await other.db.execute<{ region_id: string; outcome: string; detail: string | null }>(sql`
        SELECT region_id, outcome, detail FROM sync_runs WHERE scope = 'region' ORDER BY region_id`);
      expect(regions.map((r) => [Number(r.region_id), r.outcome])).toEqual([[10000002, 'success'], [10000099, 'failure']]);

      const failure = await runCli({ ...baseEnv, DATABASE_URL: other.url, AGGREGATION_REGION_IDS: '10000097,10000098' }, ['--no-items']);
      expect(failure.code, failure.stderr).toBe(2);
      expect(finished(failure)).toMatchObject({ outcome: 'failure' });
      const runs = await other.db.execute<{ outcome: string }>(sql`SELECT outcome FROM sync_runs WHERE scope = 'run' ORDER BY id`);
      expect(runs.map((r) => r.outcome)).toEqual(['partial', 'failure']);
    } finally {
      await other.drop();
    }
  });
});
