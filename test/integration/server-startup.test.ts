/**
 * The real entry point (`src/server.ts`, as `npm start` runs it) in a child process: fail-fast
 * configuration (case 128) and zero-configuration startup on the embedded database, the
 * ESI_USER_AGENT warning and an ESI base URL with a path prefix (case 130).
 *
 * `node --import <tsx loader>` rather than `npx tsx`: one process, so its exit status and signals
 * are the server's own. The child runs in a temporary working directory with a minimal
 * environment, so neither a developer's `.env` (read from the working directory) nor the runner's
 * own DATABASE_URL can leak in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, runningEmbeddedPort } from '../../src/db/embedded.js';
import { ROOT_INSTALL_BASE } from '../../src/db/embedded-placement.js';
import { startFakeEsi } from '../fake-esi/index.js';
import { createTestDatabase } from '../support/database.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_ENTRY = path.join(ROOT, 'src', 'server.ts');
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const PACKAGE_VERSION = (createRequire(import.meta.url)(path.join(ROOT, 'package.json')) as { version: string }).version;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly startedAt: number;
  readonly exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit: Exit | null;
  stdout: string;
  stderr: string;
}

/** Everything a test started, torn down in afterEach whatever happened. */
const children: ServerProcess[] = [];
const embeddedDirs: string[] = [];
const tempDirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // As root, the embedded server runs as the postgres user, which must reach its data directory.
  chmodSync(dir, 0o755);
  tempDirs.push(dir);
  return dir;
}

function startServer(env: Record<string, string>, cwd = tempDir('hangar-bay-server-cwd-')): ServerProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SERVER_ENTRY], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a hung server and anything it spawned can be killed together.
    detached: true,
  });
  let settle!: (exit: Exit) => void;
  const proc: ServerProcess = {
    child,
    startedAt: Date.now(),
    exited: new Promise<Exit>((resolve) => (settle = resolve)),
    exit: null,
    stdout: '',
    stderr: '',
  };
  child.stdout!.on('data', (chunk: Buffer) => (proc.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (proc.stderr += chunk.toString('utf8')));
  child.once('close', (code, signal) => {
    proc.exit = { code, signal };
    settle(proc.exit);
  });
  children.push(proc);
  return proc;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A TCP listener that only counts connections: stands in for Postgres, Redis and ESI. */
async function sentinel(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

/** Polls `url` until it answers 200; fails early (with the server's output) if the server exits. */
async function waitForHttp(proc: ServerProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exit) throw new Error(`server exited early (${JSON.stringify(proc.exit)})\nstdout:\n${proc.stdout}\nstderr:\n${proc.stderr}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms\nstdout:\n${proc.stdout}\nstderr:\n${proc.stderr}`);
}

function logLines(proc: ServerProcess): Record<string, unknown>[] {
  return proc.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Runs a bad configuration to its exit, probing `probePort` for a listener the whole time. */
async function runToExit(env: Record<string, string>, probePort: number | null): Promise<{ proc: ServerProcess; exit: Exit; elapsedMs: number; everListened: boolean }> {
  const proc = startServer(env);
  let everListened = false;
  const probing = (async () => {
    if (probePort === null) return;
    while (!proc.exit) {
      if (await accepting(probePort)) everListened = true;
      await sleep(25);
    }
  })();
  const exit = await within(proc.exited, 20_000, 'exit on a bad configuration');
  await probing;
  return { proc, exit, elapsedMs: Date.now() - proc.startedAt, everListened };
}

function stderrLines(proc: ServerProcess): string[] {
  return proc.stderr.replace(/\n$/, '').split('\n');
}

afterEach(async () => {
  for (const proc of children.splice(0)) {
    if (proc.exit) continue;
    proc.child.kill('SIGTERM');
    const exited = await Promise.race([proc.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!exited && proc.child.pid !== undefined) {
      try {
        process.kill(-proc.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await Promise.race([proc.exited, sleep(5_000)]);
    }
  }
  // A server killed before it stopped its embedded PostgreSQL leaves the postmaster running:
  // stop exactly that one, by the pid in its data directory.
  for (const dir of embeddedDirs.splice(0)) {
    if (runningEmbeddedPort(dir) === null) continue;
    const pid = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      continue;
    }
    for (let i = 0; i < 100 && runningEmbeddedPort(dir) !== null; i += 1) await sleep(100);
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('fail fast on a bad configuration (case 128)', () => {
  it('ESI_MAX_RPS=fast PORT=65536 → exit 78 within seconds, one config line per problem on stderr, nothing else', async () => {
    const { proc, exit, elapsedMs } = await runToExit({ ESI_MAX_RPS: 'fast', PORT: '65536' }, null);
    expect(exit).toEqual({ code: 78, signal: null });
    // ~2–4 s is tsx loading the module graph; the bound only has to catch a wait on a connection.
    expect(elapsedMs).toBeLessThan(15_000);
    expect(stderrLines(proc).sort()).toEqual([
      'config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "fast")',
      'config: PORT must be an integer from 1 to 65535 (got "65536")',
    ]);
    expect(proc.stdout).toBe('');
  });

  it('the four messages of docs/sync.md §7 exactly; no port, no connection, no embedded database before exiting', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const redis = await sentinel();
    const esi = await sentinel();
    const embeddedDir = path.join(tempDir('hangar-bay-server-pg-'), 'pg');
    const { proc, exit, everListened } = await runToExit(
      {
        ESI_MAX_RPS: 'fast',
        AGGREGATION_REGION_IDS: '10000002,abc',
        ESI_USER_AGENT: 'curl',
        DATABASE_URL: 'mysql://hangar:hunter2@127.0.0.1:3306/hangar',
        REDIS_URL: `redis://:hunter2@127.0.0.1:${redis.port}`,
        ESI_BASE_URL: `http://127.0.0.1:${esi.port}/esi`,
        EMBEDDED_DB_DIR: embeddedDir,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      port,
    );
    expect(exit).toEqual({ code: 78, signal: null });
    expect(stderrLines(proc).sort()).toEqual(
      [
        'config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "fast")',
        'config: AGGREGATION_REGION_IDS element 1 is not an integer (got "10000002,abc")',
        'config: ESI_USER_AGENT must start with Name/Version and contain a contact email or URL (got "curl")',
        'config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)',
      ].sort(),
    );
    expect(proc.stdout).toBe('');
    expect(proc.stderr).not.toContain('hunter2');
    expect(everListened).toBe(false);
    expect(redis.connections()).toBe(0);
    expect(esi.connections()).toBe(0);
    expect(existsSync(embeddedDir)).toBe(false);
  });

  it('valid secrets are never printed and their servers never contacted when another variable is bad', { timeout: 90_000 }, async () => {
    const database = await sentinel();
    const redis = await sentinel();
    const { proc, exit } = await runToExit(
      {
        DATABASE_URL: `postgres://hangar:s3cret-db@127.0.0.1:${database.port}/hangar`,
        REDIS_URL: `redis://:s3cret-redis@127.0.0.1:${redis.port}`,
        METRICS_TOKEN: 's3cret-token',
        ROLE: 'both',
      },
      null,
    );
    expect(exit).toEqual({ code: 78, signal: null });
    expect(stderrLines(proc)).toEqual(['config: ROLE must be one of api, worker, all (got "both")']);
    expect(proc.stderr).not.toMatch(/s3cret/);
    expect(database.connections()).toBe(0);
    expect(redis.connections()).toBe(0);
  });
});

describe('startup (case 130)', () => {
  it(
    'DATABASE_URL unset → serves from an embedded PostgreSQL in EMBEDDED_DB_DIR; SIGTERM → exit 0 within 10 s',
    { timeout: 180_000 },
    async () => {
      // PORT=0 is not a valid PORT (1–65535), so a free port is chosen here instead of 8000.
      const port = await freePort();
      const embeddedDir = path.join(tempDir('hangar-bay-server-pg-'), 'pg');
      embeddedDirs.push(embeddedDir);
      const proc = startServer({ ROLE: 'api', PORT: String(port), EMBEDDED_DB_DIR: embeddedDir });
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(proc, `${base}/health`, 150_000);

      const contracts = await fetch(`${base}/contracts/`);
      expect(contracts.status).toBe(200);
      expect(contracts.headers.get('content-type')).toMatch(/^application\/json/);
      await contracts.json();

      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ db: 'ok', cache: 'ok', commit: 'unknown' });

      expect(runningEmbeddedPort(embeddedDir)).not.toBeNull();
      const logs = logLines(proc);
      expect(logs.some((line) => line.msg === 'DATABASE_URL not set: using the embedded PostgreSQL' && line.dir === embeddedDir)).toBe(true);
      // ROLE=api never syncs, so it has no reason to warn about the User-Agent.
      expect(proc.stdout).not.toContain('ESI_USER_AGENT');

      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      const exit = await within(proc.exited, 10_000, 'exit after SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      // The server stopped the embedded PostgreSQL it started.
      expect(runningEmbeddedPort(embeddedDir)).toBeNull();
      expect(proc.stderr).toBe('');
    },
  );

  it('no variables at all → the embedded database under ./.data in the working directory, port 8000, one ESI_USER_AGENT warning (case 130)', { timeout: 180_000 }, async (context) => {
    if (await accepting(8000)) context.skip('port 8000 is in use on this machine');
    const cwd = tempDir('hangar-bay-server-defaults-');
    const embeddedDir = path.join(cwd, '.data', 'postgres');
    embeddedDirs.push(embeddedDir);
    const proc = startServer({}, cwd);
    await waitForHttp(proc, 'http://127.0.0.1:8000/health', 150_000);
    expect((await fetch('http://127.0.0.1:8000/contracts/')).status).toBe(200);
    expect(runningEmbeddedPort(embeddedDir)).not.toBeNull();
    proc.child.kill('SIGTERM');
    expect(await within(proc.exited, 10_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    const mentions = (proc.stdout + proc.stderr).split('\n').filter((line) => line.includes('ESI_USER_AGENT'));
    expect(mentions, proc.stdout).toHaveLength(1);
  });

  it(
    'ROLE=all with ESI_USER_AGENT unset warns once; ESI_BASE_URL with a path prefix sends every request under it',
    { timeout: 120_000 },
    async () => {
      // Cleanups run in reverse, after the server is gone: the fake ESI closes, then the database drops.
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      const esi = await startFakeEsi({ regions: 1, contracts: 50, basePath: '/esi' });
      cleanups.push(() => esi.close());
      expect(esi.url).toMatch(/\/esi$/);
      const regionId = esi.control.state().regions[0]!.region_id;
      const port = await freePort();
      const proc = startServer({
        ROLE: 'all',
        DATABASE_URL: db.url,
        ESI_BASE_URL: esi.url,
        ESI_DOWNTIME_WINDOW: 'off',
        AGGREGATION_REGION_IDS: String(regionId),
        PORT: String(port),
        HOST: '127.0.0.1',
      });
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(proc, `${base}/health`, 60_000);

      // The run at startup reaches ESI and finishes.
      const deadline = Date.now() + 60_000;
      let outcome: unknown = null;
      while (outcome === null && Date.now() < deadline) {
        const body = (await (await fetch(`${base}/ready`)).json()) as { last_ingest_outcome: unknown };
        outcome = body.last_ingest_outcome;
        if (outcome === null) await sleep(250);
      }
      expect(outcome, `no finished run\nstdout:\n${proc.stdout}`).not.toBeNull();

      const requests = esi.control.requests();
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        expect(request.path, request.path).toMatch(/^\/esi\//);
        expect(request.esiPath, request.esiPath).not.toMatch(/^\/esi(\/|$)/);
        expect(request.route).not.toBe('unknown');
        expect(request.headers['user-agent']).toBe(`HangarBay/${PACKAGE_VERSION} (contact not configured; set ESI_USER_AGENT)`);
        expect(request.headers['x-compatibility-date']).toBe('2026-07-21');
      }
      expect(requests.some((request) => request.route === 'E1' && request.path === `/esi/contracts/public/${regionId}`)).toBe(true);

      proc.child.kill('SIGTERM');
      const exit = await within(proc.exited, 10_000, 'exit after SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });

      const mentions = (proc.stdout + proc.stderr).split('\n').filter((line) => line.includes('ESI_USER_AGENT'));
      expect(mentions, proc.stdout).toHaveLength(1);
      expect(JSON.parse(mentions[0]!)).toMatchObject({ level: 40 });
    },
  );
});

describe('the embedded database from any install location', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'as root in a private (0700) working directory, the defaults come up: data relocated where the postgres user can reach it, stopped on SIGTERM',
    { timeout: 180_000 },
    async () => {
      const cwd = mkdtempSync(path.join(os.tmpdir(), 'hangar-bay-private-cwd-'));
      tempDirs.push(cwd);
      expect(statSync(cwd).mode & 0o777).toBe(0o700);
      const port = await freePort();
      const proc = startServer({ ROLE: 'api', PORT: String(port), HOST: '127.0.0.1' }, cwd);
      const configured = path.join(cwd, '.data', 'postgres');
      await waitForHttp(proc, `http://127.0.0.1:${port}/health`, 150_000);
      const relocated = realpathSync(configured);
      embeddedDirs.push(relocated);
      cleanups.push(async () => rmSync(relocated, { recursive: true, force: true }));
      expect(lstatSync(configured).isSymbolicLink()).toBe(true);
      expect(path.dirname(relocated)).toBe(path.join(ROOT_INSTALL_BASE, 'data'));
      expect((await fetch(`http://127.0.0.1:${port}/contracts/`)).status).toBe(200);

      proc.child.kill('SIGTERM');
      expect(await within(proc.exited, 10_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
      expect(runningEmbeddedPort(relocated)).toBeNull();
      expect(proc.stderr).toBe('');
    },
  );

  it('an embedded server that cannot start → exit 78 with one line naming the cause and the way out', { timeout: 90_000 }, async () => {
    const embeddedDir = path.join(tempDir('hangar-bay-server-pg-'), 'pg');
    mkdirSync(embeddedDir);
    writeFileSync(path.join(embeddedDir, 'unrelated.txt'), 'not a database');
    const { proc, exit } = await runToExit({ EMBEDDED_DB_DIR: embeddedDir, ROLE: 'api' }, null);
    expect(exit).toEqual({ code: 78, signal: null });
    expect(stderrLines(proc)).toEqual([
      `embedded PostgreSQL could not start: ${embeddedDir} is neither empty nor a PostgreSQL data directory. ` +
        'Set DATABASE_URL to use a PostgreSQL server of your own, or EMBEDDED_DB_DIR to keep the embedded data elsewhere.',
    ]);
    expect(readFileSync(path.join(embeddedDir, 'unrelated.txt'), 'utf8')).toBe('not a database');
  });
});
