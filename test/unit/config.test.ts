/**
 * Configuration (docs/sync.md §7; cases 128–129) at the `loadConfig(env, now)` level: every
 * variable's default, each accepted form, each rejected form with its exact one-line message,
 * redaction of secrets, and the four example messages of docs/sync.md §7 verbatim.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, CONFIG_ERROR_EXIT_CODE, defaultDbConcurrency, loadConfig, roleServesApi, roleSyncs, type AppConfig } from '../../src/config.js';

type Env = Record<string, string>;

const NOW = new Date('2026-11-27T12:00:00Z');
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every variable of the docs/sync.md §7 table. */
const ALL_VARIABLES = [
  'DATABASE_URL',
  'EMBEDDED_DB_DIR',
  'REDIS_URL',
  'ESI_BASE_URL',
  'ESI_USER_AGENT',
  'ESI_COMPATIBILITY_DATE',
  'ESI_TIMEOUT_MS',
  'ESI_MAX_CONCURRENCY',
  'ESI_MAX_RPS',
  'ESI_DOWNTIME_WINDOW',
  'AGGREGATION_REGION_IDS',
  'AGGREGATION_INTERVAL_SECONDS',
  'ROLE',
  'RETENTION_DAYS',
  'PRICE_HISTORY_DAYS',
  'READ_MODEL',
  'READ_MODEL_DETAILS_MB',
  'API_STATEMENT_TIMEOUT_MS',
  'API_QUEUE_TIMEOUT_MS',
  'API_DB_CONCURRENCY',
  'METRICS_TOKEN',
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'ENVIRONMENT',
  'GIT_COMMIT',
] as const;

const DEFAULTS: AppConfig = {
  databaseUrl: null,
  embeddedDbDir: './.data/postgres',
  redisUrl: null,
  esiBaseUrl: 'https://esi.evetech.net',
  esiUserAgent: `HangarBay/${PACKAGE_VERSION} (contact not configured; set ESI_USER_AGENT)`,
  esiUserAgentIsDefault: true,
  esiCompatibilityDate: '2026-07-21',
  esiTimeoutMs: 20_000,
  esiMaxConcurrency: 8,
  esiMaxRps: 20,
  esiDowntimeWindow: { startMinute: 10 * 60 + 58, endMinute: 11 * 60 + 20 },
  aggregationRegionIds: [10000002],
  aggregationIntervalSeconds: 1800,
  role: 'all',
  retentionDays: 30,
  priceHistoryDays: 365,
  readModel: true,
  readModelDetailsMb: 64,
  apiStatementTimeoutMs: 5000,
  apiQueueTimeoutMs: 2000,
  apiDbConcurrency: defaultDbConcurrency(),
  metricsToken: '',
  port: 8000,
  host: '0.0.0.0',
  logLevel: 'info',
  environment: 'production',
  gitCommit: 'unknown',
  packageVersion: PACKAGE_VERSION,
};

function load(env: Env, now: Date = NOW): AppConfig {
  return loadConfig(env, now);
}

/** The stderr lines a bad configuration produces (ConfigError.message, one line per problem). */
function problemLines(env: Env, now: Date = NOW): string[] {
  let error: unknown;
  try {
    loadConfig(env, now);
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError for ${JSON.stringify(env)}, got ${String(error)}`);
  const lines = error.message.split('\n');
  // The message is exactly the problems, each prefixed, nothing else.
  expect(lines).toEqual(error.problems.map((problem) => `config: ${problem}`));
  return lines;
}

function sorted(lines: readonly string[]): string[] {
  return [...lines].sort();
}

function utcDay(date: Date, offsetDays = 0): string {
  return new Date(date.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

describe('defaults (docs/sync.md §7)', () => {
  it('no variables at all → every default, frozen; zero configuration is valid', () => {
    const config = load({});
    expect(config).toEqual(DEFAULTS);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('an empty value means unset, for every variable (.env files write `METRICS_TOKEN=`)', () => {
    const env = Object.fromEntries(ALL_VARIABLES.map((name) => [name, '']));
    expect(load(env)).toEqual(DEFAULTS);
  });

  it('unlisted variables are ignored', () => {
    expect(load({ NODE_ENV: 'nonsense', FOO: 'bar', PORTS: 'x', role: 'both', esi_max_rps: 'fast' })).toEqual(DEFAULTS);
  });

  it('.env.example documents every variable and its active lines are exactly the defaults', () => {
    const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const name of ALL_VARIABLES) expect(text, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    expect(load(parseEnv(text) as Env)).toEqual(DEFAULTS);
  });

  it('the configuration error exit status is 78 (EX_CONFIG)', () => {
    expect(CONFIG_ERROR_EXIT_CODE).toBe(78);
  });
});

describe('fail fast: messages (case 128)', () => {
  it('prints the four example messages of docs/sync.md §7 exactly, one line per problem', () => {
    const lines = problemLines({
      ESI_MAX_RPS: 'fast',
      AGGREGATION_REGION_IDS: '10000002,abc',
      ESI_USER_AGENT: 'curl',
      DATABASE_URL: 'mysql://hangar:hunter2@db.internal:3306/hangar',
    });
    expect(sorted(lines)).toEqual(
      sorted([
        'config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "fast")',
        'config: AGGREGATION_REGION_IDS element 1 is not an integer (got "10000002,abc")',
        'config: ESI_USER_AGENT must start with Name/Version and contain a contact email or URL (got "curl")',
        'config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)',
      ]),
    );
  });

  it.each([
    ['ESI_MAX_RPS', 'fast', 'config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "fast")'],
    ['AGGREGATION_REGION_IDS', '10000002,abc', 'config: AGGREGATION_REGION_IDS element 1 is not an integer (got "10000002,abc")'],
    ['ESI_USER_AGENT', 'curl', 'config: ESI_USER_AGENT must start with Name/Version and contain a contact email or URL (got "curl")'],
    ['DATABASE_URL', 'mysql://hangar:hunter2@db.internal:3306/hangar', 'config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)'],
  ])('example alone: %s=%j', (name, value, expected) => {
    expect(problemLines({ [name]: value })).toEqual([expected]);
  });

  it('reports every problem at once, one line each, naming the variable and quoting its value', () => {
    const bad: Env = {
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'memcached://x',
      ESI_BASE_URL: 'esi.evetech.net',
      ESI_USER_AGENT: 'curl',
      ESI_COMPATIBILITY_DATE: '2026-02-30',
      ESI_TIMEOUT_MS: '999',
      ESI_MAX_CONCURRENCY: '65',
      ESI_MAX_RPS: '0',
      ESI_DOWNTIME_WINDOW: '25:00-26:00',
      AGGREGATION_REGION_IDS: '9999999',
      AGGREGATION_INTERVAL_SECONDS: '59',
      ROLE: 'both',
      RETENTION_DAYS: '0',
      PRICE_HISTORY_DAYS: '3651',
      READ_MODEL_DETAILS_MB: '-1',
      PORT: '65536',
      LOG_LEVEL: 'verbose',
      ENVIRONMENT: 'staging',
    };
    const lines = problemLines(bad);
    expect(lines).toHaveLength(Object.keys(bad).length);
    for (const [name, value] of Object.entries(bad)) {
      const own = lines.filter((line) => line.startsWith(`config: ${name} `));
      expect(own, name).toHaveLength(1);
      const shown = ['DATABASE_URL', 'REDIS_URL'].includes(name) ? '<redacted>' : `"${value}"`;
      expect(own[0]!.endsWith(`(got ${shown})`), own[0]).toBe(true);
    }
  });

  it('a value containing a line break still makes exactly one line', () => {
    const lines = problemLines({ ESI_MAX_RPS: 'fa\nst' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config: ESI_MAX_RPS must be a number > 0 and <= 100 \(got ".*"\)$/);
  });

  it('a valid configuration throws nothing', () => {
    expect(() => load({ ESI_MAX_RPS: '5', PORT: '8080', ROLE: 'worker' })).not.toThrow();
  });
});

describe('redaction: DATABASE_URL, REDIS_URL and METRICS_TOKEN are always <redacted> (case 128)', () => {
  const SECRET = 'hunter2-s3cret';

  it.each([
    ['DATABASE_URL', `mysql://hangar:${SECRET}@db.internal/hangar`, 'config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)'],
    ['DATABASE_URL', `${SECRET}`, 'config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)'],
    ['DATABASE_URL', `db.internal:5432/${SECRET}`, 'config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)'],
    ['REDIS_URL', `http://:${SECRET}@cache.internal:6379`, 'config: REDIS_URL must be a redis:// or rediss:// URL (got <redacted>)'],
    ['REDIS_URL', `cache.internal:6379?password=${SECRET}`, 'config: REDIS_URL must be a redis:// or rediss:// URL (got <redacted>)'],
  ])('%s=%j → value redacted', (name, value, expected) => {
    const lines = problemLines({ [name]: value });
    expect(lines).toEqual([expected]);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('valid secrets never leak into the messages of other problems', () => {
    const lines = problemLines({
      DATABASE_URL: `postgres://hangar:${SECRET}@db.internal:5432/hangar`,
      REDIS_URL: `rediss://:${SECRET}@cache.internal:6380/0`,
      METRICS_TOKEN: SECRET,
      ROLE: 'both',
      PORT: '0',
    });
    expect(sorted(lines)).toEqual(
      sorted(['config: ROLE must be one of api, worker, all (got "both")', 'config: PORT must be an integer from 1 to 65535 (got "0")']),
    );
    expect(lines.join('\n')).not.toContain(SECRET);
  });
});

describe('DATABASE_URL and REDIS_URL', () => {
  it.each(['postgres://hangar:pw@db.internal:5432/hangar_bay', 'postgresql://localhost/hangar_bay', 'postgres://127.0.0.1:5433/x?sslmode=require'])(
    'DATABASE_URL=%j is used verbatim',
    (value) => {
      expect(load({ DATABASE_URL: value }).databaseUrl).toBe(value);
    },
  );

  it.each(['mysql://u:pw@h/db', 'http://db.internal:5432/db', 'localhost:5432', 'not a url'])('DATABASE_URL=%j is rejected', (value) => {
    expect(problemLines({ DATABASE_URL: value })).toEqual(['config: DATABASE_URL must be a postgres:// or postgresql:// URL (got <redacted>)']);
  });

  it('DATABASE_URL unset → embedded PostgreSQL in EMBEDDED_DB_DIR (default ./.data/postgres)', () => {
    expect(load({}).databaseUrl).toBeNull();
    expect(load({}).embeddedDbDir).toBe('./.data/postgres');
    expect(load({ EMBEDDED_DB_DIR: '/var/lib/hangar-bay/pg' }).embeddedDbDir).toBe('/var/lib/hangar-bay/pg');
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://:pw@cache.internal:6380/0', 'redis://cache'])('REDIS_URL=%j is used verbatim', (value) => {
    expect(load({ REDIS_URL: value }).redisUrl).toBe(value);
  });

  it.each(['http://127.0.0.1:6379', '127.0.0.1:6379', 'redis//cache', 'postgres://cache'])('REDIS_URL=%j is rejected', (value) => {
    expect(problemLines({ REDIS_URL: value })).toEqual(['config: REDIS_URL must be a redis:// or rediss:// URL (got <redacted>)']);
  });
});

describe('ESI_BASE_URL: absolute http(s), no query, path prefix allowed', () => {
  it.each([
    ['https://esi.evetech.net', 'https://esi.evetech.net'],
    ['https://esi.evetech.net/', 'https://esi.evetech.net'],
    ['http://127.0.0.1:8099', 'http://127.0.0.1:8099'],
    ['http://127.0.0.1:8099/esi', 'http://127.0.0.1:8099/esi'],
    ['http://127.0.0.1:8099/esi/', 'http://127.0.0.1:8099/esi'],
    ['https://proxy.internal/a/b//', 'https://proxy.internal/a/b'],
  ])('%j → %j (no trailing slash, so paths join as <base>/contracts/…)', (value, expected) => {
    expect(load({ ESI_BASE_URL: value }).esiBaseUrl).toBe(expected);
  });

  it.each([
    'https://esi.evetech.net/?datasource=tranquility',
    'https://esi.evetech.net?datasource=tranquility',
    'https://esi.evetech.net/#top',
    'ftp://esi.evetech.net',
    'esi.evetech.net',
    '/esi',
    'https://',
  ])('%j is rejected', (value) => {
    expect(problemLines({ ESI_BASE_URL: value })).toEqual([
      `config: ESI_BASE_URL must be an absolute http(s) URL without a query (got "${value}")`,
    ]);
  });
});

describe('ESI_USER_AGENT', () => {
  it('unset → the default agent with {version} replaced, flagged as default (a syncing role warns)', () => {
    const config = load({});
    expect(config.esiUserAgent).toBe(`HangarBay/${PACKAGE_VERSION} (contact not configured; set ESI_USER_AGENT)`);
    expect(config.esiUserAgent).not.toContain('{version}');
    expect(config.esiUserAgentIsDefault).toBe(true);
  });

  it.each([
    ['HangarBay/{version} (ops@example.com; +https://github.com/example/hangar-bay)', `HangarBay/${PACKAGE_VERSION} (ops@example.com; +https://github.com/example/hangar-bay)`],
    ['MyApp/2.3.1 (+https://example.com/contact)', 'MyApp/2.3.1 (+https://example.com/contact)'],
    ['My-App/1.0 admin@example.org', 'My-App/1.0 admin@example.org'],
    ['Tool/{version} http://example.net {version}', `Tool/${PACKAGE_VERSION} http://example.net ${PACKAGE_VERSION}`],
  ])('%j → %j, not the default', (value, expected) => {
    const config = load({ ESI_USER_AGENT: value });
    expect(config.esiUserAgent).toBe(expected);
    expect(config.esiUserAgentIsDefault).toBe(false);
  });

  it.each([
    'curl',
    'MyApp/1.0',
    'MyApp (ops@example.com)',
    'ops@example.com MyApp/1.0',
    'MyApp/1.0 ftp://example.com',
    // The default itself names no contact: it is only ever a default.
    'HangarBay/{version} (contact not configured; set ESI_USER_AGENT)',
  ])('%j is rejected', (value) => {
    expect(problemLines({ ESI_USER_AGENT: value })).toEqual([
      `config: ESI_USER_AGENT must start with Name/Version and contain a contact email or URL (got "${value}")`,
    ]);
  });
});

describe('ESI_COMPATIBILITY_DATE: a real date, not after today (UTC)', () => {
  const message = (value: string) => `config: ESI_COMPATIBILITY_DATE must be a real date YYYY-MM-DD, not after today (UTC) (got "${value}")`;

  it.each(['2026-07-21', '2020-01-01', '2024-02-29', '2026-11-27'])('%j is accepted (today is 2026-11-27)', (value) => {
    expect(load({ ESI_COMPATIBILITY_DATE: value }).esiCompatibilityDate).toBe(value);
  });

  it.each(['2026-02-30', '2023-02-29', '2026-13-01', '2026-00-10', '2026-7-21', '20260721', '21-07-2026', '2026-07-21T00:00:00Z', 'today'])(
    '%j is rejected',
    (value) => {
      expect(problemLines({ ESI_COMPATIBILITY_DATE: value })).toEqual([message(value)]);
    },
  );

  it('tomorrow is rejected, today accepted, relative to the injected now', () => {
    expect(problemLines({ ESI_COMPATIBILITY_DATE: '2026-11-28' })).toEqual([message('2026-11-28')]);
    const early = new Date('2026-07-20T12:00:00Z');
    expect(problemLines({ ESI_COMPATIBILITY_DATE: '2026-07-21' }, early)).toEqual([message('2026-07-21')]);
    expect(load({ ESI_COMPATIBILITY_DATE: '2026-07-20' }, early).esiCompatibilityDate).toBe('2026-07-20');
  });

  it('"today" is the UTC day at both ends of it, whatever the local offset', () => {
    const startOfDay = new Date('2026-11-27T00:00:00.000Z');
    const endOfDay = new Date('2026-11-27T23:59:59.999Z');
    for (const now of [startOfDay, endOfDay]) {
      expect(load({ ESI_COMPATIBILITY_DATE: '2026-11-27' }, now).esiCompatibilityDate).toBe('2026-11-27');
      expect(problemLines({ ESI_COMPATIBILITY_DATE: '2026-11-28' }, now)).toEqual([message('2026-11-28')]);
    }
    // 20:00 on the 27th in UTC−8 is already the 28th in UTC.
    expect(load({ ESI_COMPATIBILITY_DATE: '2026-11-28' }, new Date('2026-11-27T20:00:00-08:00')).esiCompatibilityDate).toBe('2026-11-28');
    // 02:00 on the 28th in UTC+9 is still the 27th in UTC.
    expect(problemLines({ ESI_COMPATIBILITY_DATE: '2026-11-28' }, new Date('2026-11-28T02:00:00+09:00'))).toEqual([message('2026-11-28')]);
  });

  it('without an injected now, the real clock decides', () => {
    const tomorrow = utcDay(new Date(), 1);
    expect(loadConfig({ ESI_COMPATIBILITY_DATE: utcDay(new Date(), -1) }).esiCompatibilityDate).toBe(utcDay(new Date(), -1));
    expect(() => loadConfig({ ESI_COMPATIBILITY_DATE: tomorrow })).toThrow(ConfigError);
  });
});

describe.each([
  { name: 'ESI_TIMEOUT_MS', key: 'esiTimeoutMs', min: 1000, max: 120_000, mid: 45_000 },
  { name: 'ESI_MAX_CONCURRENCY', key: 'esiMaxConcurrency', min: 1, max: 64, mid: 16 },
  { name: 'AGGREGATION_INTERVAL_SECONDS', key: 'aggregationIntervalSeconds', min: 60, max: 86_400, mid: 900 },
  { name: 'RETENTION_DAYS', key: 'retentionDays', min: 1, max: 3650, mid: 90 },
  { name: 'PRICE_HISTORY_DAYS', key: 'priceHistoryDays', min: 1, max: 3650, mid: 730 },
  { name: 'READ_MODEL_DETAILS_MB', key: 'readModelDetailsMb', min: 0, max: 4096, mid: 256 },
  { name: 'API_STATEMENT_TIMEOUT_MS', key: 'apiStatementTimeoutMs', min: 100, max: 60_000, mid: 2500 },
  { name: 'API_QUEUE_TIMEOUT_MS', key: 'apiQueueTimeoutMs', min: 10, max: 60_000, mid: 500 },
  { name: 'API_DB_CONCURRENCY', key: 'apiDbConcurrency', min: 1, max: 100, mid: 10 },
  { name: 'PORT', key: 'port', min: 1, max: 65_535, mid: 8080 },
] as const)('$name: integer $min–$max', ({ name, key, min, max, mid }) => {
  it.each([min, mid, max])(`${name}=%j is accepted`, (value) => {
    expect(load({ [name]: String(value) })[key]).toBe(value);
  });

  it.each([String(min - 1), String(max + 1), `${mid}.5`, `${min}.0`, '1e3', 'abc', '-1', '0x10', '12 34'])(`${name}=%j is rejected`, (value) => {
    expect(problemLines({ [name]: value })).toEqual([`config: ${name} must be an integer from ${min} to ${max} (got "${value}")`]);
  });
});

describe('case 129: the listed rejections', () => {
  it.each([
    ['ESI_TIMEOUT_MS', '999', 'config: ESI_TIMEOUT_MS must be an integer from 1000 to 120000 (got "999")'],
    ['ESI_MAX_RPS', '0', 'config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "0")'],
    ['ESI_MAX_RPS', '100.5', 'config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "100.5")'],
    ['PORT', '65536', 'config: PORT must be an integer from 1 to 65535 (got "65536")'],
    ['ESI_COMPATIBILITY_DATE', '2026-02-30', 'config: ESI_COMPATIBILITY_DATE must be a real date YYYY-MM-DD, not after today (UTC) (got "2026-02-30")'],
    ['ESI_COMPATIBILITY_DATE', utcDay(NOW, 1), `config: ESI_COMPATIBILITY_DATE must be a real date YYYY-MM-DD, not after today (UTC) (got "${utcDay(NOW, 1)}")`],
    ['ESI_DOWNTIME_WINDOW', '25:00-26:00', 'config: ESI_DOWNTIME_WINDOW must be HH:MM-HH:MM (UTC) or off (got "25:00-26:00")'],
    ['ROLE', 'both', 'config: ROLE must be one of api, worker, all (got "both")'],
    ['AGGREGATION_REGION_IDS', '9999999', 'config: AGGREGATION_REGION_IDS element 0 must be a region id from 10000000 to 19999999 (got "9999999")'],
  ])('%s=%j', (name, value, expected) => {
    expect(problemLines({ [name]: value })).toEqual([expected]);
  });

  it.each(['worker', 'all'])('AGGREGATION_REGION_IDS=[] with ROLE=%s', (role) => {
    expect(problemLines({ AGGREGATION_REGION_IDS: '[]', ROLE: role })).toEqual([
      `config: AGGREGATION_REGION_IDS must name at least one region when ROLE is ${role} (got "[]")`,
    ]);
  });
});

describe('ESI_MAX_RPS: number > 0 and <= 100', () => {
  it.each([
    ['0.5', 0.5],
    ['1', 1],
    ['20.25', 20.25],
    ['100', 100],
    ['0.001', 0.001],
  ])('%j → %j', (value, expected) => {
    expect(load({ ESI_MAX_RPS: value }).esiMaxRps).toBe(expected);
  });

  it.each(['0', '0.0', '-1', '100.5', '101', 'fast', 'NaN', 'Infinity', '20/s', '1,5'])('%j is rejected', (value) => {
    expect(problemLines({ ESI_MAX_RPS: value })).toEqual([`config: ESI_MAX_RPS must be a number > 0 and <= 100 (got "${value}")`]);
  });
});

describe('ESI_DOWNTIME_WINDOW: HH:MM-HH:MM (UTC) or off', () => {
  it.each([
    ['10:58-11:20', { startMinute: 658, endMinute: 680 }],
    ['00:00-23:59', { startMinute: 0, endMinute: 1439 }],
    ['23:30-00:30', { startMinute: 1410, endMinute: 30 }],
    ['off', null],
  ])('%j → %j', (value, expected) => {
    expect(load({ ESI_DOWNTIME_WINDOW: value }).esiDowntimeWindow).toEqual(expected);
  });

  it.each(['25:00-26:00', '10:60-11:20', '24:00-01:00', '10:58', '9:00-10:00', '10:58 - 11:20', '1058-1120', 'on', 'none'])('%j is rejected', (value) => {
    expect(problemLines({ ESI_DOWNTIME_WINDOW: value })).toEqual([`config: ESI_DOWNTIME_WINDOW must be HH:MM-HH:MM (UTC) or off (got "${value}")`]);
  });
});

describe('AGGREGATION_REGION_IDS: JSON array or comma list, 10000000–19999999, deduplicated (case 129)', () => {
  it.each([
    ['[10000002,10000043]', [10000002, 10000043]],
    ['10000002, 10000043', [10000002, 10000043]],
    ['10000002,10000043', [10000002, 10000043]],
    ['[ 10000002 , 10000043 ]', [10000002, 10000043]],
    ['10000043', [10000043]],
    ['[10000000,19999999]', [10000000, 19999999]],
  ])('%j → %j', (value, expected) => {
    expect(load({ AGGREGATION_REGION_IDS: value }).aggregationRegionIds).toEqual(expected);
  });

  it.each([
    ['[10000002,10000002]', [10000002]],
    ['10000002, 10000002', [10000002]],
    ['[10000043,10000002,10000043,10000002]', [10000002, 10000043]],
  ])('duplicates removed: %j → %j', (value, expected) => {
    const ids = load({ AGGREGATION_REGION_IDS: value }).aggregationRegionIds;
    expect(ids).not.toBe('all');
    expect(sorted([...ids].map(String)).map(Number)).toEqual(expected);
  });

  it('[] is allowed for ROLE=api only', () => {
    const config = load({ AGGREGATION_REGION_IDS: '[]', ROLE: 'api' });
    expect(config.aggregationRegionIds).toEqual([]);
    expect(config.role).toBe('api');
    expect(problemLines({ AGGREGATION_REGION_IDS: '[]' })).toEqual([
      'config: AGGREGATION_REGION_IDS must name at least one region when ROLE is all (got "[]")',
    ]);
  });

  it.each([
    ['9999999', 'element 0 must be a region id from 10000000 to 19999999'],
    ['20000000', 'element 0 must be a region id from 10000000 to 19999999'],
    ['[10000002,30000142]', 'element 1 must be a region id from 10000000 to 19999999'],
    ['10000002,abc', 'element 1 is not an integer'],
    ['[10000002,1.5]', 'element 1 is not an integer'],
    ['[[10000002]]', 'element 0 is not an integer'],
    ['10000002,', 'element 1 is not an integer'],
    ['[10000002', 'must be a JSON array or a comma-separated list of region ids'],
    // Near misses of `all` are bad values like any other.
    ['every', 'element 0 is not an integer'],
    ['al', 'element 0 is not an integer'],
    ['all10000002', 'element 0 is not an integer'],
  ])('%j → "%s"', (value, phrase) => {
    expect(problemLines({ AGGREGATION_REGION_IDS: value })).toEqual([`config: AGGREGATION_REGION_IDS ${phrase} (got "${value}")`]);
  });

  it('one line per bad element', () => {
    expect(problemLines({ AGGREGATION_REGION_IDS: '10000002,abc,9' })).toEqual([
      'config: AGGREGATION_REGION_IDS element 1 is not an integer (got "10000002,abc,9")',
      'config: AGGREGATION_REGION_IDS element 2 must be a region id from 10000000 to 19999999 (got "10000002,abc,9")',
    ]);
  });
});

describe('AGGREGATION_REGION_IDS=all: every known-space region, never mixed with ids (docs/extensions.md §1, case 131)', () => {
  it.each(['all', 'ALL', 'All', ' all '])('%j selects all, for every role', (value) => {
    for (const role of ['api', 'worker', 'all']) expect(load({ AGGREGATION_REGION_IDS: value, ROLE: role }).aggregationRegionIds).toBe('all');
  });

  it.each(['all,10000002', '10000002,all', '10000002, ALL', '[10000002,"all"]', '["all"]', 'all,', 'all,all'])('%j is one problem line', (value) => {
    expect(problemLines({ AGGREGATION_REGION_IDS: value })).toEqual([
      `config: AGGREGATION_REGION_IDS must be all alone or a list of region ids, not both (got ${JSON.stringify(value)})`,
    ]);
  });

  it('exits 78 with the config line, like every configuration error', () => {
    let thrown: unknown;
    try {
      loadConfig({ AGGREGATION_REGION_IDS: 'all,10000002' }, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe('config: AGGREGATION_REGION_IDS must be all alone or a list of region ids, not both (got "all,10000002")');
    expect(CONFIG_ERROR_EXIT_CODE).toBe(78);
  });
});

describe('READ_MODEL: on or off, case-insensitive', () => {
  it.each([
    ['on', true],
    ['OFF', false],
    [' Off ', false],
  ] as const)('READ_MODEL=%j → %j', (value, expected) => {
    expect(load({ READ_MODEL: value }).readModel).toBe(expected);
  });

  it.each(['yes', 'true', '1', 'disabled'])('READ_MODEL=%j is rejected', (value) => {
    expect(problemLines({ READ_MODEL: value })).toEqual([`config: READ_MODEL must be one of on, off (got "${value}")`]);
  });
});

describe('ROLE, LOG_LEVEL, ENVIRONMENT, METRICS_TOKEN, HOST, GIT_COMMIT', () => {
  it.each(['api', 'worker', 'all'] as const)('ROLE=%s', (role) => {
    expect(load({ ROLE: role }).role).toBe(role);
  });

  it.each(['both', 'scheduler', 'api,worker'])('ROLE=%j is rejected', (value) => {
    expect(problemLines({ ROLE: value })).toEqual([`config: ROLE must be one of api, worker, all (got "${value}")`]);
  });

  it('roles: api serves and never syncs; worker syncs and serves no contract routes; all does both', () => {
    expect([roleSyncs('api'), roleSyncs('worker'), roleSyncs('all')]).toEqual([false, true, true]);
    expect([roleServesApi('api'), roleServesApi('worker'), roleServesApi('all')]).toEqual([true, false, true]);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)('LOG_LEVEL=%s', (level) => {
    expect(load({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it.each([
    ['INFO', 'info'],
    ['Debug', 'debug'],
    ['WARN', 'warn'],
    ['SiLeNt', 'silent'],
  ])('LOG_LEVEL is case-insensitive: %j → %j', (value, expected) => {
    expect(load({ LOG_LEVEL: value }).logLevel).toBe(expected);
  });

  it.each(['verbose', 'warning', 'information'])('LOG_LEVEL=%j is rejected', (value) => {
    expect(problemLines({ LOG_LEVEL: value })).toEqual([
      `config: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${value}")`,
    ]);
  });

  it.each(['development', 'production', 'test'] as const)('ENVIRONMENT=%s', (environment) => {
    expect(load({ ENVIRONMENT: environment }).environment).toBe(environment);
  });

  it.each(['staging', 'prod', 'dev'])('ENVIRONMENT=%j is rejected', (value) => {
    expect(problemLines({ ENVIRONMENT: value })).toEqual([`config: ENVIRONMENT must be one of development, production, test (got "${value}")`]);
  });

  it('METRICS_TOKEN: empty (default) leaves /metrics open, non-empty is the bearer token', () => {
    expect(load({}).metricsToken).toBe('');
    expect(load({ METRICS_TOKEN: 'tok-123' }).metricsToken).toBe('tok-123');
  });

  it.each(['127.0.0.1', '::', 'localhost', 'api.internal'])('HOST=%j', (value) => {
    expect(load({ HOST: value }).host).toBe(value);
  });

  it('GIT_COMMIT is free text for /ready', () => {
    expect(load({ GIT_COMMIT: '3f9c2e1' }).gitCommit).toBe('3f9c2e1');
    expect(load({ GIT_COMMIT: 'v1.2.0 (dirty)' }).gitCommit).toBe('v1.2.0 (dirty)');
  });
});
