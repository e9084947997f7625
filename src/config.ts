import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Every configuration variable of docs/sync.md §7, parsed once at startup. Nothing else reads process.env. */
export interface AppConfig {
  readonly databaseUrl: string | null;
  readonly embeddedDbDir: string;
  readonly redisUrl: string | null;
  readonly esiBaseUrl: string;
  readonly esiUserAgent: string;
  readonly esiUserAgentIsDefault: boolean;
  readonly esiCompatibilityDate: string;
  readonly esiTimeoutMs: number;
  readonly esiMaxConcurrency: number;
  readonly esiMaxRps: number;
  readonly esiDowntimeWindow: DowntimeWindow | null;
  /** The configured region ids, or `all`: every known-space region, resolved at run time (src/sync/region-set.ts). */
  readonly aggregationRegionIds: RegionSelection;
  readonly aggregationIntervalSeconds: number;
  readonly role: Role;
  readonly retentionDays: number;
  /** Days of contract-price observations kept (docs/sync.md §5.8). */
  readonly priceHistoryDays: number;
  /** Whether API processes answer lists from an in-memory read model (docs/read-path.md §2). */
  readonly readModel: boolean;
  /** MB of closed contracts' and auctions' details the read model holds (docs/read-path.md §2). */
  readonly readModelDetailsMb: number;
  readonly apiStatementTimeoutMs: number;
  readonly apiQueueTimeoutMs: number;
  /** Statements an API process runs at once (docs/read-path.md §3). */
  readonly apiDbConcurrency: number;
  readonly metricsToken: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly environment: Environment;
  readonly gitCommit: string;
  readonly packageVersion: string;
}

export type Role = 'api' | 'worker' | 'all';
/** `AGGREGATION_REGION_IDS`: a list of region ids, or `all` (docs/sync.md §7). */
export type RegionSelection = readonly number[] | 'all';
export type Environment = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** Minutes since 00:00 UTC; `end` may be smaller than `start` for a window spanning midnight. */
export interface DowntimeWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.map((p) => `config: ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Exit status for a configuration error (EX_CONFIG), docs/sync.md §6. */
export const CONFIG_ERROR_EXIT_CODE = 78;

const SECRET_VARIABLES = new Set(['DATABASE_URL', 'REDIS_URL', 'METRICS_TOKEN']);
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_USER_AGENT = 'HangarBay/{version} (contact not configured; set ESI_USER_AGENT)';

type Env = Readonly<Record<string, string | undefined>>;

/** A variable's validation: returns the parsed value, or a problem phrase ("must be …"). */
type Check<T> = (raw: string) => { value: T } | { problem: string };

function shown(name: string, raw: string): string {
  return SECRET_VARIABLES.has(name) ? '<redacted>' : JSON.stringify(raw);
}

function integerIn(min: number, max: number): Check<number> {
  return (raw) => {
    const trimmed = raw.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) return { problem: `must be an integer from ${min} to ${max}` };
    const value = Number(trimmed);
    if (value < min || value > max) return { problem: `must be an integer from ${min} to ${max}` };
    return { value };
  };
}

function oneOf<T extends string>(values: readonly T[], caseInsensitive = false): Check<T> {
  return (raw) => {
    const candidate = (caseInsensitive ? raw.trim().toLowerCase() : raw.trim()) as T;
    return values.includes(candidate)
      ? { value: candidate }
      : { problem: `must be one of ${values.join(', ')}` };
  };
}

function urlWithSchemes(schemes: readonly string[], description: string, allowQuery = true): Check<string> {
  return (raw) => {
    const parsed = z.url().safeParse(raw.trim());
    if (!parsed.success) return { problem: `must be ${description}` };
    const url = new URL(parsed.data);
    if (!schemes.includes(url.protocol)) return { problem: `must be ${description}` };
    if (!allowQuery && (url.search !== '' || url.hash !== '')) return { problem: `must be ${description}` };
    return { value: parsed.data };
  };
}

const checkPositiveRps: Check<number> = (raw) => {
  const trimmed = raw.trim();
  const value = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  return Number.isFinite(value) && value > 0 && value <= 100
    ? { value }
    : { problem: 'must be a number > 0 and <= 100' };
};

function checkCompatibilityDate(now: Date): Check<string> {
  return (raw) => {
    const trimmed = raw.trim();
    const problem = { problem: 'must be a real date YYYY-MM-DD, not after today (UTC)' };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return problem;
    const date = new Date(`${trimmed}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== trimmed) return problem;
    if (trimmed > now.toISOString().slice(0, 10)) return problem;
    return { value: trimmed };
  };
}

const checkDowntimeWindow: Check<DowntimeWindow | null> = (raw) => {
  const trimmed = raw.trim();
  if (trimmed.toLowerCase() === 'off') return { value: null };
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(trimmed);
  const problem = { problem: 'must be HH:MM-HH:MM (UTC) or off' };
  if (!match) return problem;
  const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) return problem;
  return { value: { startMinute: h1 * 60 + m1, endMinute: h2 * 60 + m2 } };
};

const checkUserAgent: Check<string> = (raw) => {
  const trimmed = raw.trim();
  const hasProductToken = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+\/\S+/.test(trimmed);
  const hasContact = /[^\s@()<>;,]+@[^\s@()<>;,]+\.[^\s@()<>;,]+/.test(trimmed) || /https?:\/\/\S+/.test(trimmed);
  return hasProductToken && hasContact
    ? { value: trimmed }
    : { problem: 'must start with Name/Version and contain a contact email or URL' };
};

/**
 * Region ids come as a JSON array or a comma list, or as the bare word `all` (any case); each
 * problem names the element's index and, like every config message, quotes the variable's whole
 * value (docs/sync.md §7). `all` mixed with anything else is one problem, not one per element.
 */
function parseRegionIds(raw: string): { value: number[] | 'all' } | { problems: string[] } {
  const trimmed = raw.trim();
  const got = JSON.stringify(raw);
  if (trimmed.toLowerCase() === 'all') return { value: 'all' };
  const notAList = { problems: [`must be a JSON array or a comma-separated list of region ids (got ${got})`] };
  let elements: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!Array.isArray(parsed)) return notAList;
      elements = parsed;
    } catch {
      return notAList;
    }
  } else {
    elements = trimmed === '' ? [] : trimmed.split(',').map((part) => part.trim());
  }
  if (elements.some((element) => typeof element === 'string' && element.trim().toLowerCase() === 'all')) {
    return { problems: [`must be all alone or a list of region ids, not both (got ${got})`] };
  }
  const problems: string[] = [];
  const ids: number[] = [];
  elements.forEach((element, index) => {
    const isInteger =
      (typeof element === 'number' && Number.isInteger(element)) ||
      (typeof element === 'string' && /^[+-]?\d+$/.test(element));
    if (!isInteger) {
      problems.push(`element ${index} is not an integer (got ${got})`);
      return;
    }
    const id = Number(element);
    if (id < 10_000_000 || id > 19_999_999) {
      problems.push(`element ${index} must be a region id from 10000000 to 19999999 (got ${got})`);
      return;
    }
    if (!ids.includes(id)) ids.push(id);
  });
  return problems.length > 0 ? { problems } : { value: ids };
}

function readPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * As many statements at once as the machine has cores (at least 2): PostgreSQL on the same machine
 * then cannot take every core from the event loop that serves cached answers (docs/read-path.md §3).
 */
export function defaultDbConcurrency(): number {
  return Math.max(2, availableParallelism());
}

/**
 * Validates every variable before anything opens a port or a connection; throws ConfigError with
 * one message per problem, each naming the variable. Secret values are never echoed.
 */
export function loadConfig(env: Env, now: Date = new Date()): AppConfig {
  const problems: string[] = [];
  function read<T>(name: string, fallback: T, check: Check<T>): T {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const result = check(raw);
    if ('problem' in result) {
      problems.push(`${name} ${result.problem} (got ${shown(name, raw)})`);
      return fallback;
    }
    return result.value;
  }

  const packageVersion = readPackageVersion();
  const role = read<Role>('ROLE', 'all', oneOf(['api', 'worker', 'all']));
  const userAgentTemplate = read('ESI_USER_AGENT', DEFAULT_USER_AGENT, checkUserAgent);

  let aggregationRegionIds: RegionSelection = [10000002];
  const rawRegions = env.AGGREGATION_REGION_IDS;
  if (rawRegions !== undefined && rawRegions !== '') {
    const parsed = parseRegionIds(rawRegions);
    if ('problems' in parsed) problems.push(...parsed.problems.map((p) => `AGGREGATION_REGION_IDS ${p}`));
    else aggregationRegionIds = parsed.value;
  }
  if (aggregationRegionIds !== 'all' && aggregationRegionIds.length === 0 && role !== 'api') {
    problems.push(`AGGREGATION_REGION_IDS must name at least one region when ROLE is ${role} (got ${JSON.stringify(rawRegions ?? '')})`);
  }

  const config: AppConfig = {
    databaseUrl: read<string | null>('DATABASE_URL', null, urlWithSchemes(['postgres:', 'postgresql:'], 'a postgres:// or postgresql:// URL')),
    embeddedDbDir: read('EMBEDDED_DB_DIR', './.data/postgres', (raw) => ({ value: raw.trim() })),
    redisUrl: read<string | null>('REDIS_URL', null, urlWithSchemes(['redis:', 'rediss:'], 'a redis:// or rediss:// URL')),
    esiBaseUrl: read('ESI_BASE_URL', 'https://esi.evetech.net', urlWithSchemes(['http:', 'https:'], 'an absolute http(s) URL without a query', false)).replace(/\/+$/, ''),
    esiUserAgent: userAgentTemplate.replaceAll('{version}', packageVersion),
    esiUserAgentIsDefault: userAgentTemplate === DEFAULT_USER_AGENT,
    esiCompatibilityDate: read('ESI_COMPATIBILITY_DATE', '2026-07-21', checkCompatibilityDate(now)),
    esiTimeoutMs: read('ESI_TIMEOUT_MS', 20_000, integerIn(1000, 120_000)),
    esiMaxConcurrency: read('ESI_MAX_CONCURRENCY', 8, integerIn(1, 64)),
    esiMaxRps: read('ESI_MAX_RPS', 20, checkPositiveRps),
    esiDowntimeWindow: read<DowntimeWindow | null>('ESI_DOWNTIME_WINDOW', { startMinute: 10 * 60 + 58, endMinute: 11 * 60 + 20 }, checkDowntimeWindow),
    aggregationRegionIds,
    aggregationIntervalSeconds: read('AGGREGATION_INTERVAL_SECONDS', 1800, integerIn(60, 86_400)),
    role,
    retentionDays: read('RETENTION_DAYS', 30, integerIn(1, 3650)),
    priceHistoryDays: read('PRICE_HISTORY_DAYS', 365, integerIn(1, 3650)),
    readModel: read('READ_MODEL', 'on', oneOf(['on', 'off'], true)) === 'on',
    readModelDetailsMb: read('READ_MODEL_DETAILS_MB', 64, integerIn(0, 4096)),
    apiStatementTimeoutMs: read('API_STATEMENT_TIMEOUT_MS', 5000, integerIn(100, 60_000)),
    apiQueueTimeoutMs: read('API_QUEUE_TIMEOUT_MS', 2000, integerIn(10, 60_000)),
    apiDbConcurrency: read('API_DB_CONCURRENCY', defaultDbConcurrency(), integerIn(1, 100)),
    metricsToken: env.METRICS_TOKEN ?? '',
    port: read('PORT', 8000, integerIn(1, 65_535)),
    host: read('HOST', '0.0.0.0', (raw) => ({ value: raw.trim() })),
    logLevel: read<LogLevel>('LOG_LEVEL', 'info', oneOf(LOG_LEVELS, true)),
    environment: read<Environment>('ENVIRONMENT', 'production', oneOf(['development', 'production', 'test'])),
    gitCommit: env.GIT_COMMIT && env.GIT_COMMIT !== '' ? env.GIT_COMMIT : 'unknown',
    packageVersion,
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Whether `role` runs the scheduled sync. */
export function roleSyncs(role: Role): boolean {
  return role !== 'api';
}

/** Whether `role` serves the contract routes. */
export function roleServesApi(role: Role): boolean {
  return role !== 'worker';
}

/**
 * For entry points: reads an optional `.env` (never overriding the environment), then the config;
 * a configuration error prints one `config: …` line per problem and exits with status 78.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    throw error;
  }
}
