import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { hours, insertContracts, insertTaxonomy } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

// cases 1–14 at the route level.
const NOW = new Date('2026-07-21T09:16:30Z');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PARAM_ORDER = [
  'search', 'min_price', 'max_price', 'min_collateral', 'max_collateral', 'min_runs', 'max_runs', 'min_me',
  'max_me', 'min_te', 'max_te', 'region_ids', 'system_ids', 'station_ids', 'type_ids', 'contract_type',
  'category_id', 'group_id', 'is_bpc', 'is_ship_contract', 'page', 'size', 'sort_by', 'sort_direction',
];
const TYPES_EXPECTED = "'item_exchange', 'auction', 'courier', 'loan' or 'unknown'";
const SORT_EXPECTED =
  "'date_issued', 'date_expired', 'price', 'collateral', 'ship_name', 'volume', 'reward_per_volume', 'days_to_complete', " +
  "'buyout', 'reward_per_jump', 'route_jumps' or 'current_price'";

type Loc = (string | number)[];
const err = (type: string, loc: Loc, msg: string, input: string, ctx?: Record<string, unknown>) =>
  ctx === undefined ? { type, loc, msg, input } : { type, loc, msg, input, ctx };
const intParsing = (loc: Loc, input: string) =>
  err('int_parsing', loc, 'Input should be a valid integer, unable to parse string as an integer', input);
const intSize = (loc: Loc, input: string) =>
  err('int_parsing_size', loc, 'Unable to parse input string as an integer, exceeded maximum size', input);
const floatParsing = (loc: Loc, input: string) =>
  err('float_parsing', loc, 'Input should be a valid number, unable to parse string as a number', input);
const finite = (loc: Loc, input: string) => err('finite_number', loc, 'Input should be a finite number', input);
const boolParsing = (loc: Loc, input: string) =>
  err('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', input);
const ge = (loc: Loc, input: string, n: number) =>
  err('greater_than_equal', loc, `Input should be greater than or equal to ${n}`, input, { ge: n });
const le = (loc: Loc, input: string, n: number) =>
  err('less_than_equal', loc, `Input should be less than or equal to ${n}`, input, { le: n });
const enumErr = (loc: Loc, input: string, expected: string) =>
  err('enum', loc, `Input should be ${expected}`, input, { expected });
const tooShort = (input: string) =>
  err('string_too_short', ['query', 'search'], 'String should have at least 3 characters', input, { min_length: 3 });

interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GET with the request-target sent byte for byte (app.inject would normalise it through WHATWG URL). */
function rawGet(port: number, target: string): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * `text` as a client could put it in a request-target: `encoded` percent-encodes every UTF-8 byte but
 * the unreserved ones; `raw` keeps all printable ASCII as it is (stray `%`, `+`, `&`, `=`, `[`…),
 * escaping only what cannot travel: controls, space, `#` and non-ASCII bytes (Node's HTTP parser
 * refuses those before any application code runs).
 */
function wireString(text: string, mode: 'encoded' | 'raw'): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    const keep = mode === 'encoded' ? UNRESERVED.test(char) : byte > 0x20 && byte < 0x7f && char !== '#';
    out += keep ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  const issued = (h: number) => new Date(NOW.getTime() - hours(h));
  await insertContracts(
    db.db,
    [
      { contractId: 101, price: 1000, dateIssued: issued(1), items: [{ typeId: 587 }] },
      {
        contractId: 102,
        type: 'auction',
        price: 5_000_000,
        dateIssued: issued(2),
        items: [{ typeId: 687, isBlueprintCopy: true, runs: 10, me: 8, te: 14 }],
      },
      { contractId: 103, price: 999.99, dateIssued: issued(3), items: [{ typeId: 32880 }] },
      { contractId: 104, type: 'courier', price: 0, dateIssued: issued(4), endLocationId: 60008494 },
      // 2^53 − 1: the largest id the server may serialize (docs/api.md §3).
      { contractId: 105, price: 2_000_000, dateIssued: issued(5), startLocationId: 9_007_199_254_740_991, items: [{ typeId: 621 }] },
    ],
    NOW,
  );
  t = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

async function list(query: string): Promise<{ response: LightMyRequestResponse; body: { total: number; page: number; size: number; items: { contract_id: number }[] } }> {
  const response = await get(`/contracts/${query === '' ? '' : `?${query}`}`);
  expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
  const body = response.json();
  expect(validateAgainst('ContractListResponse', body)).toBeNull();
  return { response, body };
}

const ids = (body: { items: { contract_id: number }[] }) => body.items.map((row) => row.contract_id);

/** The exact 422 body, plus the headers every error carries (case 14) and the reference schema. */
async function expect422(url: string, detail: object[]): Promise<void> {
  const response = await get(url.startsWith('/') ? url : `/contracts/?${url}`);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(422);
  expect(response.body).toBe(JSON.stringify({ detail }));
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['x-request-id']).toMatch(UUID_V4);
  expect(response.headers.etag).toBeUndefined();
  expect(validateAgainst('HTTPValidationError', response.json())).toBeNull();
}

describe('defaults and equivalent queries (case 1)', () => {
  it('no query → 200, page 1, size 50, date_issued desc (case 1)', async () => {
    const { body } = await list('');
    expect(body).toMatchObject({ total: 5, page: 1, size: 50 });
    expect(ids(body)).toEqual([101, 102, 103, 104, 105]);
  });

  it('explicit defaults and unknown parameters give the same body and ETag as no query (case 1)', async () => {
    const bare = await list('');
    expect(bare.response.headers.etag).toMatch(/^W\/".+"$/);
    for (const query of ['page=1&size=50&sort_by=date_issued&sort_direction=desc', 'foo=bar&utm_source=x']) {
      const other = await list(query);
      expect(other.response.body, query).toBe(bare.response.body);
      expect(other.response.headers.etag, query).toBe(bare.response.headers.etag);
    }
    const prefixed = await get('/api/v1/contracts?foo=bar');
    expect(prefixed.body).toBe(bare.response.body);
    expect(prefixed.headers.etag).toBe(bare.response.headers.etag);
    const different = await list('page=2');
    expect(different.response.headers.etag).not.toBe(bare.response.headers.etag);
  });

  it('min_price > max_price is valid and matches nothing (case 1)', async () => {
    const { body } = await list('min_price=10&max_price=5');
    expect(body.total).toBe(0);
    expect(body.items).toEqual([]);
  });
});

describe('search length (cases 2–4)', () => {
  it('search=ab → the exact 422 body (case 2)', async () => {
    const response = await get('/contracts/?search=ab');
    expect(response.statusCode).toBe(422);
    expect(response.body).toBe(
      '{"detail":[{"type":"string_too_short","loc":["query","search"],"msg":"String should have at least 3 characters","input":"ab","ctx":{"min_length":3}}]}',
    );
  });

  it('the error input is the raw untrimmed value (case 3)', async () => {
    await expect422('search=%20%20ab%20%20', [tooShort('  ab  ')]);
    await expect422('search=%20%20%20', [tooShort('   ')]);
    await expect422('search=', [tooShort('')]);
  });

  it('length is counted in code points after trimming, 3..100 (case 4)', async () => {
    const letters = (n: number) => 'abcdefghij'.repeat(11).slice(0, n);
    expect((await list(`search=${letters(100)}`)).body.total).toBe(0);
    const long = letters(101);
    await expect422(`search=${long}`, [
      err('string_too_long', ['query', 'search'], 'String should have at most 100 characters', long, { max_length: 100 }),
    ]);
    expect((await list(`search=${encodeURIComponent('🚀'.repeat(100))}`)).body.total).toBe(0);
    expect((await list(`search=${encodeURIComponent(`  ${letters(100)}  `)}`)).body.total).toBe(0);
    expect((await list('search=%20RIFTER%20')).body.total).toBe(1);
  });
});

describe('numeric parameters (cases 5–8)', () => {
  it('page=0&size=101 → two errors, page first (case 5)', async () => {
    await expect422('page=0&size=101', [ge(['query', 'page'], '0', 1), le(['query', 'size'], '101', 100)]);
  });

  it('size bounds and the runs/ME/TE minimums (case 5)', async () => {
    const one = await list('size=1');
    expect(one.body.size).toBe(1);
    expect(ids(one.body)).toEqual([101]);
    expect((await list('size=100')).body).toMatchObject({ size: 100, total: 5 });
    await expect422('size=0', [ge(['query', 'size'], '0', 1)]);
    expect((await list('min_runs=-1')).body.total).toBe(1);
    await expect422('min_runs=-2', [ge(['query', 'min_runs'], '-2', -1)]);
    await expect422('min_me=-1', [ge(['query', 'min_me'], '-1', 0)]);
    await expect422('max_te=-1', [ge(['query', 'max_te'], '-1', 0)]);
  });

  it('non-integers → int_parsing without ctx; signs and leading zeros are integers (case 6)', async () => {
    for (const [raw, input] of [['1.5', '1.5'], ['1e3', '1e3'], ['0x10', '0x10'], ['%201', ' 1'], ['', '']] as const) {
      await expect422(`page=${raw}`, [intParsing(['query', 'page'], input)]);
    }
    await expect422('min_me=1.5', [intParsing(['query', 'min_me'], '1.5')]);
    // A literal "+" in a query string decodes to a space, so the sign travels percent-encoded.
    const plus = await list('page=%2B2&size=1');
    expect(plus.response.body).toContain('"page":2,');
    expect(ids(plus.body)).toEqual([102]);
    expect((await list('page=007')).response.body).toContain('"page":7,');
  });

  it('ids across the whole int64 range, never through a JS number (case 7)', async () => {
    expect((await list('type_ids=9223372036854775807')).body.total).toBe(0);
    expect((await list('type_ids=-9223372036854775808')).body.total).toBe(0);
    await expect422('type_ids=9223372036854775808', [intSize(['query', 'type_ids', 0], '9223372036854775808')]);
    await expect422('type_ids=-9223372036854775809', [intSize(['query', 'type_ids', 0], '-9223372036854775809')]);
    await expect422('type_ids=1&type_ids=99999999999999999999999', [intSize(['query', 'type_ids', 1], '99999999999999999999999')]);
    const above = await list('station_ids=9007199254740993');
    expect(above.body.total).toBe(0);
    expect(ids((await list('station_ids=9007199254740991')).body)).toEqual([105]);
    expect(ids((await list('station_ids=9223372036854775807&station_ids=9007199254740991')).body)).toEqual([105]);
  });

  it('number grammar for min_price (case 8)', async () => {
    expect(ids((await list('min_price=1e3')).body)).toEqual([101, 102, 105]);
    expect((await list('min_price=1e3')).response.body).toBe((await list('min_price=1000')).response.body);
    expect(ids((await list('min_price=.5')).body)).toEqual([101, 102, 103, 105]);
    expect(ids((await list('min_price=5.')).body)).toEqual([101, 102, 103, 105]);
    expect((await list('min_price=0')).body.total).toBe(5);
    for (const [raw, input] of [['0x10', '0x10'], ['1,000', '1,000'], ['1%2C000', '1,000'], ['', '']] as const) {
      await expect422(`min_price=${raw}`, [floatParsing(['query', 'min_price'], input)]);
    }
    for (const raw of ['inf', '-Infinity', 'nan', '1e999']) {
      await expect422(`min_price=${raw}`, [finite(['query', 'min_price'], raw)]);
    }
    await expect422('min_price=-1', [ge(['query', 'min_price'], '-1', 0)]);
  });
});

describe('booleans, enums and lists (cases 9–11)', () => {
  it('lax booleans (case 9)', async () => {
    const yes = await list('is_bpc=true');
    const no = await list('is_bpc=false');
    expect(ids(yes.body)).toEqual([102]);
    expect(ids(no.body)).toEqual([101, 103, 104, 105]);
    for (const word of ['TRUE', 'Yes', 'on', 't', 'Y', '1']) expect((await list(`is_bpc=${word}`)).response.body, word).toBe(yes.response.body);
    for (const word of ['False', 'NO', 'off', 'f', 'n', '0']) expect((await list(`is_bpc=${word}`)).response.body, word).toBe(no.response.body);
    for (const word of ['maybe', '2', 'truee', '']) await expect422(`is_bpc=${word}`, [boolParsing(['query', 'is_bpc'], word)]);
  });

  it('enum errors list the allowed values in declaration order (case 10)', async () => {
    await expect422('contract_type=barter', [enumErr(['query', 'contract_type', 0], 'barter', TYPES_EXPECTED)]);
    const barter = (await get('/contracts/?contract_type=barter')).json();
    expect(barter.detail[0].msg).toBe("Input should be 'item_exchange', 'auction', 'courier', 'loan' or 'unknown'");
    await expect422('contract_type=courier&contract_type=Courier', [enumErr(['query', 'contract_type', 1], 'Courier', TYPES_EXPECTED)]);
    await expect422('sort_direction=DESC', [enumErr(['query', 'sort_direction'], 'DESC', "'asc' or 'desc'")]);
    await expect422('sort_by=name', [enumErr(['query', 'sort_by'], 'name', SORT_EXPECTED)]);
  });

  it('each occurrence of a list key is one element (case 11)', async () => {
    await expect422('region_ids=10000002&region_ids=abc', [intParsing(['query', 'region_ids', 1], 'abc')]);
    await expect422('region_ids=1,2', [intParsing(['query', 'region_ids', 0], '1,2')]);
    await expect422('region_ids=', [intParsing(['query', 'region_ids', 0], '')]);
    await expect422('region_ids', [intParsing(['query', 'region_ids', 0], '')]);
    const bare = await list('');
    for (const query of ['region_ids[]=1', 'region_ids%5B%5D=1', 'region_ids[0]=1']) {
      const bracket = await list(query);
      expect(bracket.response.body, query).toBe(bare.response.body);
      expect(bracket.response.headers.etag, query).toBe(bare.response.headers.etag);
    }
  });
});

describe('repeated keys and error order (cases 12–13)', () => {
  it('duplicate list elements are harmless and share the ETag (case 12)', async () => {
    const once = await list('region_ids=10000002');
    const twice = await list('region_ids=10000002&region_ids=10000002');
    expect(once.body.total).toBe(5);
    expect(twice.response.body).toBe(once.response.body);
    expect(twice.response.headers.etag).toBe(once.response.headers.etag);
  });

  it('the last occurrence of a scalar wins, and only it is validated (case 12)', async () => {
    const two = await list('page=2&size=1');
    for (const query of ['page=5&page=2&size=1', 'page=abc&page=2&size=1']) {
      const other = await list(query);
      expect(other.response.body, query).toBe(two.response.body);
      expect(other.response.headers.etag, query).toBe(two.response.headers.etag);
    }
    expect(ids(two.body)).toEqual([102]);
    await expect422('page=2&page=abc', [intParsing(['query', 'page'], 'abc')]);
  });

  it('all errors together, in parameter order (case 13)', async () => {
    await expect422('sort_direction=up&page=0&region_ids=x&search=ab&is_bpc=maybe', [
      tooShort('ab'),
      intParsing(['query', 'region_ids', 0], 'x'),
      boolParsing(['query', 'is_bpc'], 'maybe'),
      ge(['query', 'page'], '0', 1),
      enumErr(['query', 'sort_direction'], 'up', "'asc' or 'desc'"),
    ]);
  });
});

describe('error responses (case 14)', () => {
  it('422 headers under both prefixes and slash forms; X-Request-Id echoed or generated (case 14)', async () => {
    for (const path of ['/contracts/', '/contracts', '/api/v1/contracts/', '/api/v1/contracts']) {
      await expect422(`${path}?page=0`, [ge(['query', 'page'], '0', 1)]);
    }
    const echoed = await get('/contracts/?page=0', { 'x-request-id': 'report-42:a.b_c' });
    expect(echoed.statusCode).toBe(422);
    expect(echoed.headers['x-request-id']).toBe('report-42:a.b_c');
    const replaced = await get('/contracts/?page=0', { 'x-request-id': 'not valid!' });
    expect(replaced.headers['x-request-id']).toMatch(UUID_V4);
  });

  it('undecodable paths answer like unknown paths; an over-long contract_id still gets its 422 (case 14)', async () => {
    for (const url of ['/contracts/%', '/contracts/%zz', '/api/v1/contracts/%E0%A4%A', '/contracts/%zz?page=0']) {
      const response = await get(url, { 'x-request-id': 'bad-url-1' });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).toBe('{"detail":"Not Found"}');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-request-id']).toBe('bad-url-1');
    }
    const digits = '9'.repeat(600);
    await expect422(`/contracts/${digits}`, [intSize(['path', 'contract_id'], digits)]);
    const letters = 'x'.repeat(600);
    await expect422(`/api/v1/contracts/${letters}/`, [intParsing(['path', 'contract_id'], letters)]);
  });

  it('≥ 500 randomized malformed queries and paths on the wire never get a 500 (case 14)', async () => {
    // Closed by t.close() with the app.
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const junkKey = fc.oneof(
      fc.constantFrom('', 'foo', 'utm_source', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'PAGE', 'Search'),
      fc.constantFrom(...PARAM_ORDER).map((name) => `${name}[]`),
      fc.string({ maxLength: 10 }),
    );
    const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PARAM_ORDER) }, { weight: 1, arbitrary: junkKey });
    const percent = fc
      .array(fc.constantFrom('%', '%zz', '%2', '%25', '%2B', '%00', '%FF', '%E0%A4%A', '%C3%A9', '%F0%9F%9A%80', '%26', '%3D', 'a', '1'), { maxLength: 8 })
      .map((parts) => parts.join(''));
    const value = fc.oneof(
      fc.constant(''),
      fc.constantFrom('true', 'no', 'asc', 'DESC', 'price', 'ship_name', 'courier', 'unknown', 'inf', 'nan', '1e999', '-0', '.', '+', '0x10'),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.integer({ min: -3, max: 200 }).map(String),
      fc.double().map(String),
      fc.integer({ min: 20, max: 2000 }).map((n) => '9'.repeat(n)),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 120 }),
      percent,
    );
    // A pair as a client could put it on the wire: encoded, raw (stray %, +, &, [ kept), or a bare key.
    const pair = fc
      .tuple(key, value, fc.constantFrom('encoded', 'raw', 'bare'))
      .map(([k, v, mode]) => (mode === 'bare' ? wireString(k, 'encoded') : `${wireString(k, mode === 'raw' ? 'raw' : 'encoded')}=${wireString(v, mode)}`));
    const repeatedPair = fc.tuple(pair, fc.integer({ min: 1, max: 3 })).map(([p, n]) => Array<string>(n).fill(p));
    const query = fc.array(fc.oneof(pair.map((p) => [p]), repeatedPair), { maxLength: 12 }).map((groups) => groups.flat().join('&'));
    const segment = fc.oneof(
      fc.constantFrom('taxonomy', 'taxonomy/', '101', '0101', '%2B101', '101/', '0', '-5', '9223372036854775808', '%zz', '%', '..', '%2F', 'a/b', '1.5', ''),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
      value.map((v) => wireString(v, 'raw')),
    );
    const path = fc.oneof(
      fc.constantFrom('/contracts/', '/contracts', '/api/v1/contracts/', '/api/v1/contracts'),
      fc.tuple(fc.constantFrom('/contracts/', '/api/v1/contracts/'), segment).map(([base, s]) => base + s),
    );
    // Node's HTTP parser answers 431 past its 16 KiB header limit before the app sees the request.
    const target = fc
      .tuple(path, query, fc.boolean())
      .map(([p, q, withQuery]) => (withQuery ? `${p}?${q}` : p))
      .filter((request) => request.length <= 12_000);
    let seen422 = 0;
    let seen200 = 0;
    await fc.assert(
      fc.asyncProperty(target, async (request) => {
        const response = await rawGet(port, request);
        const label = `${request.slice(0, 300)} → ${response.status} ${response.body.slice(0, 300)}`;
        expect([200, 404, 422], label).toContain(response.status);
        expect(response.headers['x-request-id'], label).toBeTruthy();
        if (response.status === 422) seen422 += 1;
        if (response.status === 200) seen200 += 1;
        checkBody(label, response);
      }),
      { numRuns: 600 },
    );
    // The generator must exercise both outcomes, or the property proves little.
    expect(seen422).toBeGreaterThan(100);
    expect(seen200).toBeGreaterThan(50);
  }, 120_000);
});

/** Every body of the property run has its documented shape; 422 errors are well-formed and ordered. */
function checkBody(target: string, response: WireResponse): void {
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(response.headers['content-type'], target).toBe('application/json; charset=utf-8');
  if (response.status === 404) {
    expect(['{"detail":"Not Found"}', '{"detail":"Contract not found"}'], target).toContain(response.body);
    return;
  }
  if (response.status === 200) {
    const schema = 'total' in body ? 'ContractListResponse' : 'categories' in body ? 'TaxonomyResponse' : 'ContractDetailSchema';
    expect(validateAgainst(schema, body), target).toBeNull();
    return;
  }
  expect(response.headers['cache-control'], target).toBe('no-store');
  expect(validateAgainst('HTTPValidationError', body), target).toBeNull();
  const detail = body.detail as { type: unknown; loc: Loc; msg: unknown; input: unknown; ctx?: unknown }[];
  expect(detail.length, target).toBeGreaterThan(0);
  let previous = -1;
  for (const item of detail) {
    expect(Object.keys(item).join(','), target).toMatch(/^type,loc,msg,input(,ctx)?$/);
    expect(typeof item.msg === 'string' && typeof item.input === 'string', target).toBe(true);
    if (item.loc[0] === 'path') {
      expect(item.loc, target).toEqual(['path', 'contract_id']);
      continue;
    }
    expect(item.loc[0], target).toBe('query');
    const position = PARAM_ORDER.indexOf(String(item.loc[1]));
    expect(position, target).toBeGreaterThanOrEqual(0);
    const rank = position * 10_000 + (typeof item.loc[2] === 'number' ? item.loc[2] : 0);
    expect(rank, target).toBeGreaterThan(previous);
    previous = rank;
  }
}
