import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/key-value-cache.js';
import { createContractReadRepository } from '../../src/repositories/contract-read.repository.js';
import { createContractReadService } from '../../src/services/contract-read.service.js';
import { createGenerationTracker } from '../../src/services/generation-tracker.js';
import { createDbAdmission } from '../../src/services/db-admission.js';
import { createSqlReads } from '../../src/services/sql-reads.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertContracts, insertTaxonomy } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

const NOW = new Date('2026-07-21T09:16:30Z');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const OTHER_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

let db: TestDatabase;
let t: TestApp;

function corsHeaders(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((name) => name.toLowerCase().startsWith('access-control-'));
}

/**
 * Headers that may differ between two otherwise identical responses: per-request ones, and the
 * framing of a streamed (compressed) body, which a HEAD response has no body to frame.
 */
function comparable(headers: Record<string, unknown>): Record<string, unknown> {
  const { date: _date, 'x-request-id': _id, connection: _connection, ...rest } = headers;
  if (rest['content-encoding'] !== undefined) {
    delete rest['content-length'];
    delete rest['transfer-encoding'];
  }
  return rest;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  // 60 contracts: a default page of 50 rows is far above the 1 KiB compression threshold; the
  // last one carries 12 items, so its detail is too.
  await insertContracts(
    db.db,
    Array.from({ length: 60 }, (_, i) => ({
      contractId: 101 + i,
      title: `Bundle ${i}`,
      items: i === 59 ? Array.from({ length: 12 }, (_, k) => ({ typeId: k % 2 === 0 ? 587 : 439 })) : [{ typeId: 587 }, { typeId: 439 }],
    })),
    NOW,
  );
  t = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('methods (docs/api.md §2)', () => {
  it('HEAD → exactly the status and headers of GET, with no body (case 63)', async () => {
    const urls = ['/contracts/', '/contracts/taxonomy', '/contracts/101', '/contracts/999999999', '/contracts/?page=0', '/health', '/ready', '/', '/nope'];
    for (const url of urls) {
      for (const headers of [{}, { 'accept-encoding': 'br, gzip' }]) {
        const get = await t.app.inject({ method: 'GET', url, headers });
        const head = await t.app.inject({ method: 'HEAD', url, headers });
        expect(head.statusCode, `HEAD ${url}`).toBe(get.statusCode);
        expect(comparable(head.headers), `HEAD ${url}`).toStrictEqual(comparable(get.headers));
        expect(head.rawPayload.length, `HEAD ${url}`).toBe(0);
      }
    }
  });

  it('HEAD with a matching If-None-Match → 304 (case 63)', async () => {
    const etag = (await t.app.inject({ url: '/contracts/taxonomy' })).headers.etag as string;
    const head = await t.app.inject({ method: 'HEAD', url: '/contracts/taxonomy', headers: { 'if-none-match': etag } });
    expect(head.statusCode).toBe(304);
    expect(head.headers.etag).toBe(etag);
    expect(head.rawPayload.length).toBe(0);
  });

  it('POST, PUT, PATCH, DELETE, OPTIONS on known paths → 405 with Allow: GET, HEAD and no CORS headers, even with Origin (case 63)', async () => {
    const urls = ['/contracts/', '/contracts', '/api/v1/contracts/5', '/contracts/taxonomy', '/contracts/abc', '/health', '/ready', '/metrics', '/', '/api/v1/health/', '/status', '/openapi.json', '/docs', '/api/v1/openapi.json'];
    for (const url of urls) {
      for (const method of OTHER_METHODS) {
        const response = await t.app.inject({
          method,
          url,
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'x-request-id': 'm-405' },
        });
        expect(response.statusCode, `${method} ${url}`).toBe(405);
        expect(response.body, `${method} ${url}`).toBe('{"detail":"Method Not Allowed"}');
        expect(response.headers.allow, `${method} ${url}`).toBe('GET, HEAD');
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['x-request-id']).toBe('m-405');
        expect(corsHeaders(response.headers), `${method} ${url}`).toStrictEqual([]);
      }
    }
  });

  it('a body the server cannot parse does not turn a 405 into a 400 or 415 (case 63)', async () => {
    for (const [contentType, payload] of [['application/json', '{not json'], ['text/xml', '<a/>']] as const) {
      const response = await t.app.inject({ method: 'POST', url: '/contracts/', headers: { 'content-type': contentType }, payload });
      expect(response.statusCode, contentType).toBe(405);
      expect(response.body).toBe('{"detail":"Method Not Allowed"}');
      expect(response.headers.allow).toBe('GET, HEAD');
    }
  });

  it('GET never carries CORS headers either (case 63)', async () => {
    const response = await t.app.inject({ url: '/contracts/', headers: { origin: 'https://evil.example' } });
    expect(response.statusCode).toBe(200);
    expect(corsHeaders(response.headers)).toStrictEqual([]);
  });
});

describe('paths (docs/api.md §2)', () => {
  it('unknown paths (any method) → 404 {"detail":"Not Found"} with no-store (case 64)', async () => {
    const cases: [string, string][] = [
      ['GET', '/nope'], ['GET', '/api/v1/nope'], ['GET', '/api/v2/contracts'], ['POST', '/nope'], ['GET', '/login'],
      ['DELETE', '/api/v2/contracts'], ['GET', '/auth/sso/login'], ['GET', '/me/watchlist-items/'], ['GET', '/contracts/1/items'],
    ];
    for (const [method, url] of cases) {
      const response = await t.app.inject({ method: method as 'GET', url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.body).toBe('{"detail":"Not Found"}');
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('GET /me → 401 {"detail":"Not authenticated"}, under the prefix too (case 64)', async () => {
    for (const url of ['/me', '/api/v1/me', '/me/']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(401);
      expect(response.body).toBe('{"detail":"Not authenticated"}');
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('slash and prefix forms answer like the bare form, never with a redirect (case 65)', async () => {
    const forms: [string, string[]][] = [
      ['/contracts/', ['/contracts', '/api/v1/contracts', '/api/v1/contracts/', '/contracts/?', '/api/v1/contracts?x=1']],
      ['/contracts/taxonomy', ['/contracts/taxonomy/', '/api/v1/contracts/taxonomy', '/api/v1/contracts/taxonomy/']],
      ['/contracts/101', ['/contracts/101/', '/api/v1/contracts/101', '/api/v1/contracts/101/']],
      ['/health', ['/health/', '/api/v1/health', '/api/v1/health/']],
      ['/ready', ['/ready/', '/api/v1/ready', '/api/v1/ready/']],
      ['/', ['/api/v1', '/api/v1/']],
    ];
    for (const [bare, variants] of forms) {
      const expected = await t.app.inject({ url: bare });
      expect(expected.statusCode, bare).toBe(200);
      for (const url of variants) {
        const response = await t.app.inject({ url });
        expect(response.statusCode, url).toBe(200);
        expect(response.headers.location, url).toBeUndefined();
        expect(response.body, url).toBe(expected.body);
        expect(response.headers.etag, url).toBe(expected.headers.etag);
      }
    }
  });

  it('/contracts/taxonomy is the taxonomy route, not a contract id (no 422) (case 65)', async () => {
    for (const url of ['/contracts/taxonomy', '/api/v1/contracts/taxonomy/']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(validateAgainst('TaxonomyResponse', response.json())).toBeNull();
      expect(Object.keys(response.json())).toStrictEqual(['categories', 'groups', 'coverage']);
    }
  });
});

describe('X-Request-Id (docs/api.md §3)', () => {
  it('a well-formed X-Request-Id is echoed on 200, 304, 404, 405 and 422, and tags the access log line (case 66)', async () => {
    const id = 'abc-123.x:y';
    const etag = (await t.app.inject({ url: '/contracts/' })).headers.etag as string;
    const requests = [
      { method: 'GET', url: '/contracts/', status: 200, headers: {} },
      { method: 'GET', url: '/contracts/', status: 304, headers: { 'if-none-match': etag } },
      { method: 'GET', url: '/nope', status: 404, headers: {} },
      { method: 'GET', url: '/contracts/999999999', status: 404, headers: {} },
      { method: 'PUT', url: '/contracts/', status: 405, headers: {} },
      { method: 'GET', url: '/contracts/?page=0', status: 422, headers: {} },
    ] as const;
    for (const request of requests) {
      const before = t.logs.length;
      const response = await t.app.inject({ method: request.method, url: request.url, headers: { ...request.headers, 'x-request-id': id } });
      expect(response.statusCode, request.url).toBe(request.status);
      expect(response.headers['x-request-id'], `${request.status} ${request.url}`).toBe(id);
      const lines = t.logs.slice(before);
      const access = lines.find((line) => line.msg === 'request completed');
      expect(access, `${request.status} ${request.url}`).toMatchObject({ request_id: id, method: request.method, status: request.status });
      for (const line of lines) expect(line.request_id).toBe(id);
    }
  });

  it('a malformed or over-long X-Request-Id is replaced by a fresh UUIDv4; 128 characters are still echoed (case 66)', async () => {
    for (const bad of ['bad id!', 'x'.repeat(129), 'é', 'a/b']) {
      const response = await t.app.inject({ url: '/health', headers: { 'x-request-id': bad } });
      expect(response.headers['x-request-id'], bad).toMatch(UUID_V4);
    }
    const missing = await t.app.inject({ url: '/health' });
    expect(missing.headers['x-request-id']).toMatch(UUID_V4);
    const again = await t.app.inject({ url: '/health' });
    expect(again.headers['x-request-id']).not.toBe(missing.headers['x-request-id']);
    const longest = 'A'.repeat(128);
    expect((await t.app.inject({ url: '/health', headers: { 'x-request-id': longest } })).headers['x-request-id']).toBe(longest);
  });
});

describe('compression (docs/api.md §3)', () => {
  it('br when accepted, gzip when br is refused, identity otherwise; decoded bodies identical (case 67)', async () => {
    const plain = await t.app.inject({ url: '/contracts/', headers: { 'accept-encoding': 'identity' } });
    expect(plain.statusCode).toBe(200);
    expect(plain.json().items).toHaveLength(50);
    expect(validateAgainst('ContractListResponse', plain.json())).toBeNull();
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);

    const cases: [string, 'br' | 'gzip' | undefined][] = [
      ['gzip, br', 'br'],
      ['br', 'br'],
      ['deflate, gzip;q=0.8, br;q=0.8', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip', 'gzip'],
      ['gzip, deflate', 'gzip'],
      ['identity', undefined],
      ['br;q=0, gzip;q=0', undefined],
    ];
    for (const [acceptEncoding, expected] of cases) {
      const response = await t.app.inject({ url: '/contracts/', headers: { 'accept-encoding': acceptEncoding } });
      expect(response.statusCode, acceptEncoding).toBe(200);
      expect(response.headers['content-encoding'], acceptEncoding).toBe(expected);
      expect(String(response.headers.vary).toLowerCase(), acceptEncoding).toContain('accept-encoding');
      expect(response.headers.etag).toBe(plain.headers.etag);
      const decoded =
        expected === 'br' ? brotliDecompressSync(response.rawPayload) : expected === 'gzip' ? gunzipSync(response.rawPayload) : response.rawPayload;
      expect(decoded.toString('utf8'), acceptEncoding).toBe(plain.body);
      if (expected !== undefined) expect(response.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    }
  });

  it('detail and taxonomy compress too once over 1 KiB; /health (< 1 KiB) never does (case 67)', async () => {
    const health = await t.app.inject({ url: '/health', headers: { 'accept-encoding': 'br, gzip' } });
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(health.body).toBe('{"status":"ok"}');
    const taxonomy = await t.app.inject({ url: '/contracts/taxonomy', headers: { 'accept-encoding': 'gzip' } });
    const taxonomyPlain = await t.app.inject({ url: '/contracts/taxonomy' });
    const decoded = taxonomy.headers['content-encoding'] === 'gzip' ? gunzipSync(taxonomy.rawPayload) : taxonomy.rawPayload;
    expect(decoded.toString('utf8')).toBe(taxonomyPlain.body);
    expect(taxonomy.headers['content-encoding']).toBe(taxonomyPlain.rawPayload.length >= 1024 ? 'gzip' : undefined);

    const detailPlain = await t.app.inject({ url: '/contracts/160' });
    expect(detailPlain.statusCode).toBe(200);
    expect(detailPlain.rawPayload.length).toBeGreaterThan(1024);
    const detail = await t.app.inject({ url: '/contracts/160', headers: { 'accept-encoding': 'gzip' } });
    expect(detail.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(detail.rawPayload).toString('utf8')).toBe(detailPlain.body);
    expect(detail.rawPayload.length).toBeLessThan(detailPlain.rawPayload.length);
  });
});

describe('unexpected errors (docs/api.md §3)', () => {
  let failing: TestApp;
  beforeAll(async () => {
    failing = await buildTestApp({
      databaseUrl: db.url,
      now: () => NOW,
      customize: (container) => {
        const repository = createContractReadRepository();
        // A repository whose query fails in Postgres after binding the search text, as a real fault would.
        const broken: typeof repository = {
          ...repository,
          async countBuckets(executor, params) {
            await executor.execute(sql`SELECT ${params.search ?? 'no search'}::text AS s, 1 / 0 AS boom`);
            return [];
          },
        };
        const contractReads = createContractReadService({
          sql: createSqlReads(container.database.db, broken),
          model: null,
          sharedCache: createMemoryCache(),
          localCache: createMemoryCache(),
          generation: createGenerationTracker({ read: () => repository.readGeneration(container.database.db), pollMs: 0 }),
          admission: createDbAdmission({ maxConcurrent: 2, maxQueued: 10, queueTimeoutMs: 1000 }),
          now: () => NOW,
        });
        return {
          contractReads: {
            ...contractReads,
            detail: async () => {
              throw new Error('detail exploded');
            },
          },
        };
      },
    });
  });
  afterAll(async () => {
    await failing?.close();
  });

  it('an injected repository error → 500 generic body with no-store, logged with stack and request id (case 68)', async () => {
    for (const [url, id] of [['/contracts/?search=hunter2secret', 'fail-1'], ['/contracts/101', 'fail-2']] as const) {
      const before = failing.logs.length;
      const response = await failing.app.inject({ url, headers: { 'x-request-id': id } });
      expect(response.statusCode, url).toBe(500);
      expect(response.body).toBe('{"detail":"An unexpected server error occurred."}');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['x-request-id']).toBe(id);
      expect(response.headers.etag).toBeUndefined();
      const lines = failing.logs.slice(before);
      const errorLine = lines.find((line) => (line.level as number) >= 50);
      expect(errorLine, url).toBeDefined();
      expect(errorLine!.request_id).toBe(id);
      expect((errorLine!.err as { stack?: string }).stack).toMatch(/^\s+at /m);
      expect(lines.find((line) => line.msg === 'request completed')).toMatchObject({ request_id: id, status: 500 });
    }
  });

  it('search=hunter2secret never reaches any log line, failing or not; its length does (case 68)', async () => {
    await failing.app.inject({ url: '/contracts/?search=hunter2secret' });
    await failing.app.inject({ url: '/api/v1/contracts?search=%20hunter2secret%20&page=2' });
    await t.app.inject({ url: '/contracts/?search=hunter2secret' });
    await t.app.inject({ url: '/contracts/?search=hunter2secret&page=0' });
    for (const line of [...failing.rawLogs, ...t.rawLogs]) {
      expect(line).not.toContain('hunter2');
      expect(line).not.toContain('unter2secre');
    }
    const accessLines = [...failing.logs, ...t.logs].filter((line) => line.msg === 'request completed' && line.search_length !== undefined);
    expect(accessLines.length).toBeGreaterThanOrEqual(4);
    expect(accessLines.map((line) => line.search_length)).toContain(13);
  });
});

describe('OpenAPI document and docs (docs/api.md §11.5)', () => {
  type Operation = { parameters?: { name: string; in: string; schema: Record<string, unknown> }[]; requestBody?: unknown };
  let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

  beforeAll(async () => {
    const response = await t.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.json();
  });

  it('OpenAPI 3.1 with the bare paths only: no /api/v1, /metrics, /me (case 69)', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const paths = Object.keys(document.paths);
    for (const path of ['/', '/health', '/ready', '/contracts/', '/contracts/taxonomy', '/contracts/{contract_id}']) {
      expect(paths).toContain(path);
    }
    for (const path of paths) {
      expect(path).not.toMatch(/^\/api\//);
      expect(path).not.toMatch(/^\/(metrics|me)(\/|$)/);
    }
    expect(Object.keys(document.paths['/contracts/']!)).toStrictEqual(['get']);
  });

  it('the component schemas of docs/api.md §11.5, with the reference properties and enums plus the extensions of §13–14 (case 69)', () => {
    type Schema = { properties?: Record<string, unknown>; enum?: unknown[] };
    const ours = document.components.schemas as Record<string, Schema>;
    const reference = (JSON.parse(readFileSync(new URL('../fixtures/upstream-openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, Schema> };
    }).components.schemas;
    const names = [
      'ContractListResponse', 'ContractListItemSchema', 'ContractDetailSchema', 'ContractItemSchema', 'CompositionSummary',
      'CompositionCategory', 'BlueprintSummary', 'CoverageInfo', 'TaxonomyResponse', 'TaxonomyCategory', 'TaxonomyGroup',
      'TaxonomyCoverage', 'ContractType', 'SortableContractFields', 'SortDirection', 'HTTPValidationError', 'ValidationError',
    ];
    // Additive only: the reference's properties and enum values, then the extensions.
    const extensionFields = ['current_bid', 'bid_count', 'bids_checked_at', 'end_location_system_id', 'route_jumps', 'route_jumps_highsec', 'reward_per_jump'];
    const extensions: Record<string, { properties?: string[]; enum?: string[] }> = {
      ContractListItemSchema: { properties: extensionFields },
      ContractDetailSchema: { properties: [...extensionFields, 'bids'] },
      SortableContractFields: { enum: ['reward_per_jump', 'route_jumps', 'current_price'] },
    };
    for (const name of names) {
      expect(ours[name], name).toBeDefined();
      const added = extensions[name] ?? {};
      expect(Object.keys(ours[name]!.properties ?? {}).sort(), name).toStrictEqual(
        [...Object.keys(reference[name]!.properties ?? {}), ...(added.properties ?? [])].sort(),
      );
      const referenceEnum = reference[name]!.enum;
      expect(ours[name]!.enum, name).toStrictEqual(referenceEnum && [...referenceEnum, ...(added.enum ?? [])]);
    }
    expect(ours.ContractType!.enum).toStrictEqual(['item_exchange', 'auction', 'courier', 'loan', 'unknown']);
  });

  it('list parameters are query arrays (repeated keys), never a request body; search has maxLength 100 (case 69)', () => {
    const list = document.paths['/contracts/']!.get!;
    const parameters = new Map(list.parameters!.map((parameter) => [parameter.name, parameter]));
    for (const name of ['region_ids', 'system_ids', 'station_ids', 'type_ids', 'contract_type', 'category_id', 'group_id']) {
      const parameter = parameters.get(name);
      expect(parameter, name).toBeDefined();
      expect(parameter!.in, name).toBe('query');
      expect(JSON.stringify(parameter!.schema), name).toContain('"type":"array"');
    }
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) expect(operation.requestBody, `${method} ${path}`).toBeUndefined();
    }
    expect(parameters.get('search')!.schema).toMatchObject({ type: 'string', minLength: 3, maxLength: 100 });
    expect(parameters.get('size')!.schema).toMatchObject({ minimum: 1, maximum: 100, default: 50 });
    expect(parameters.get('page')!.schema).toMatchObject({ minimum: 1, default: 1 });
    expect(parameters.get('sort_by')!.schema).toMatchObject({ default: 'date_issued' });
    expect(parameters.get('sort_direction')!.schema).toMatchObject({ default: 'desc' });
    expect(parameters.get('min_runs')!.schema).toMatchObject({ minimum: -1 });
    expect(parameters.get('min_price')!.schema).toMatchObject({ minimum: 0 });
  });

  it('/docs serves an HTML viewer (case 69)', async () => {
    for (const url of ['/docs', '/docs/']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body.toLowerCase()).toContain('<html');
    }
  });
});
