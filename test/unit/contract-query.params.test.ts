import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONTRACT_TYPES } from '../../src/domain/contract-types.js';
import { SORT_FIELDS, type ContractListParams } from '../../src/domain/contract-query.js';
import {
  RequestValidationError,
  canonicalQueryKey,
  contractListQuerySchema,
  parseContractIdParam,
  parseContractListQuery,
  type RawQuery,
  type ValidationErrorItem,
} from '../../src/services/contract-query.params.js';

const PARAM_ORDER = [
  'search', 'min_price', 'max_price', 'min_collateral', 'max_collateral', 'min_runs', 'max_runs',
  'min_me', 'max_me', 'min_te', 'max_te', 'region_ids', 'system_ids', 'station_ids', 'type_ids',
  'contract_type', 'category_id', 'group_id', 'is_bpc', 'is_ship_contract', 'page', 'size', 'sort_by',
  'sort_direction', 'max_jumps', 'highsec_route', 'min_reward_per_jump', 'near_system_id', 'max_jumps_from',
];

const DEFAULTS: ContractListParams = {
  search: null,
  minPrice: null,
  maxPrice: null,
  minCollateral: null,
  maxCollateral: null,
  minRuns: null,
  maxRuns: null,
  minMe: null,
  maxMe: null,
  minTe: null,
  maxTe: null,
  regionIds: null,
  systemIds: null,
  stationIds: null,
  typeIds: null,
  contractTypes: null,
  categoryIds: null,
  groupIds: null,
  isBpc: null,
  isShipContract: null,
  page: 1n,
  size: 50,
  sortBy: 'date_issued',
  sortDirection: 'desc',
  maxJumps: null,
  highsecRoute: null,
  minRewardPerJump: null,
  nearSystemId: null,
  maxJumpsFrom: null,
};

const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';
const INT_PARSING_SIZE = 'Unable to parse input string as an integer, exceeded maximum size';
const CONTRACT_TYPE_EXPECTED = "'item_exchange', 'auction', 'courier', 'loan' or 'unknown'";

/** Parses a query string the way Fastify's default parser does: repeated keys become arrays. */
function query(qs: string): RawQuery {
  const raw: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(qs)) {
    const previous = raw[key];
    raw[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return raw;
}

const parse = (qs: string): ContractListParams => parseContractListQuery(query(qs));

function errorsOf(run: () => unknown): ValidationErrorItem[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RequestValidationError);
    return (error as RequestValidationError).detail;
  }
  throw new Error('expected a RequestValidationError');
}

const errorsFor = (qs: string): ValidationErrorItem[] => errorsOf(() => parse(qs));

/** The single error of a query, for cases that only vary one parameter. */
function onlyError(qs: string): ValidationErrorItem {
  const errors = errorsFor(qs);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe('parseContractListQuery: request parsing and 422s (cases 1–14)', () => {
  it('no query gives the defaults; explicit defaults and unknown keys give the same params and key (case 1)', () => {
    expect(parse('')).toEqual(DEFAULTS);
    const key = canonicalQueryKey(parse(''));
    for (const qs of ['page=1&size=50&sort_by=date_issued&sort_direction=desc', 'foo=bar&utm_source=x']) {
      expect(parse(qs)).toEqual(DEFAULTS);
      expect(canonicalQueryKey(parse(qs))).toBe(key);
    }
  });

  it('min_price above max_price is valid (no cross-field checks) (case 1)', () => {
    expect(parse('min_price=10&max_price=5')).toMatchObject({ minPrice: 10, maxPrice: 5 });
  });

  it('search=ab → exactly one string_too_short error (case 2)', () => {
    expect(errorsFor('search=ab')).toEqual([
      {
        type: 'string_too_short',
        loc: ['query', 'search'],
        msg: 'String should have at least 3 characters',
        input: 'ab',
        ctx: { min_length: 3 },
      },
    ]);
  });

  it.each([
    ['search=%20%20ab%20%20', '  ab  '],
    ['search=%20%20%20', '   '],
    ['search=', ''],
  ])('%s → string_too_short with the raw untrimmed input (case 3)', (qs, input) => {
    expect(onlyError(qs)).toMatchObject({ type: 'string_too_short', loc: ['query', 'search'], input });
  });

  it('search length is counted in code points after trimming (case 4)', () => {
    expect(parse(`search=${'a'.repeat(100)}`).search).toBe('a'.repeat(100));
    expect(onlyError(`search=${'a'.repeat(101)}`)).toEqual({
      type: 'string_too_long',
      loc: ['query', 'search'],
      msg: 'String should have at most 100 characters',
      input: 'a'.repeat(101),
      ctx: { max_length: 100 },
    });
    const rockets = '🚀'.repeat(100);
    expect(rockets).toHaveLength(200);
    expect(parseContractListQuery({ search: rockets }).search).toBe(rockets);
    expect(onlyError(`search=${encodeURIComponent(`${rockets}🚀`)}`).type).toBe('string_too_long');
    expect(parse(`search=%20%20${'b'.repeat(100)}%20%20`).search).toBe('b'.repeat(100));
  });

  it('search keeps its case and inner whitespace, only the ends are trimmed (case 4)', () => {
    expect(parse('search=%09Mining%20%20Pack%0A').search).toBe('Mining  Pack');
  });

  it('page=0&size=101 → two errors, page first (case 5)', () => {
    expect(errorsFor('page=0&size=101')).toEqual([
      {
        type: 'greater_than_equal',
        loc: ['query', 'page'],
        msg: 'Input should be greater than or equal to 1',
        input: '0',
        ctx: { ge: 1 },
      },
      {
        type: 'less_than_equal',
        loc: ['query', 'size'],
        msg: 'Input should be less than or equal to 100',
        input: '101',
        ctx: { le: 100 },
      },
    ]);
  });

  it('size and integer lower bounds (case 5)', () => {
    expect(parse('size=1').size).toBe(1);
    expect(parse('size=100').size).toBe(100);
    expect(onlyError('size=0')).toMatchObject({ type: 'greater_than_equal', loc: ['query', 'size'], ctx: { ge: 1 } });
    expect(parse('min_runs=-1').minRuns).toBe(-1n);
    expect(onlyError('min_runs=-2')).toEqual({
      type: 'greater_than_equal',
      loc: ['query', 'min_runs'],
      msg: 'Input should be greater than or equal to -1',
      input: '-2',
      ctx: { ge: -1 },
    });
    expect(onlyError('min_me=-1')).toMatchObject({ loc: ['query', 'min_me'], ctx: { ge: 0 } });
    expect(onlyError('max_te=-1')).toMatchObject({ loc: ['query', 'max_te'], ctx: { ge: 0 } });
  });

  it.each([
    ['page=1.5', 'page', '1.5'],
    ['page=1e3', 'page', '1e3'],
    ['page=0x10', 'page', '0x10'],
    ['page=%201', 'page', ' 1'],
    ['page=', 'page', ''],
    ['min_me=1.5', 'min_me', '1.5'],
  ])('%s → int_parsing without ctx (case 6)', (qs, name, input) => {
    expect(onlyError(qs)).toStrictEqual({ type: 'int_parsing', loc: ['query', name], msg: INT_PARSING, input });
  });

  it('a leading + and leading zeros are valid integers (case 6)', () => {
    expect(parse('page=%2B2').page).toBe(2n);
    expect(parse('page=007').page).toBe(7n);
  });

  it('the whole int64 range is accepted, exactly, and nothing outside it (case 7)', () => {
    expect(parse('type_ids=9223372036854775807').typeIds).toEqual([9223372036854775807n]);
    expect(parse('type_ids=-9223372036854775808').typeIds).toEqual([-9223372036854775808n]);
    expect(parse('station_ids=9007199254740993').stationIds).toEqual([9007199254740993n]);
    for (const input of ['9223372036854775808', '-9223372036854775809', '1'.repeat(5000)]) {
      expect(onlyError(`type_ids=${input}`)).toStrictEqual({
        type: 'int_parsing_size',
        loc: ['query', 'type_ids', 0],
        msg: INT_PARSING_SIZE,
        input,
      });
    }
    expect(parse(`type_ids=${'0'.repeat(40)}42`).typeIds).toEqual([42n]);
  });

  it.each([
    ['1e3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['0', 0],
    ['-0', 0],
    ['%2B1.25E%2B2', 125],
  ])('min_price=%s parses to %s (case 8)', (input, value) => {
    expect(parse(`min_price=${input}`).minPrice).toBe(value);
  });

  it.each(['0x10', '1,000', '', '1e', 'e3', '.', '1.2.3', '%201'])('min_price=%s → float_parsing (case 8)', (input) => {
    expect(onlyError(`min_price=${input}`)).toStrictEqual({
      type: 'float_parsing',
      loc: ['query', 'min_price'],
      msg: 'Input should be a valid number, unable to parse string as a number',
      input: decodeURIComponent(input),
    });
  });

  it.each(['inf', '-Infinity', 'nan', '1e999', '-1e999', 'NaN', '%2Binfinity'])(
    'case 8: min_price=%s → finite_number',
    (input) => {
      expect(onlyError(`min_price=${input}`)).toStrictEqual({
        type: 'finite_number',
        loc: ['query', 'min_price'],
        msg: 'Input should be a finite number',
        input: decodeURIComponent(input),
      });
    },
  );

  it('min_price=-1 → greater_than_equal {"ge":0} with input "-1" (case 8)', () => {
    expect(onlyError('min_price=-1')).toEqual({
      type: 'greater_than_equal',
      loc: ['query', 'min_price'],
      msg: 'Input should be greater than or equal to 0',
      input: '-1',
      ctx: { ge: 0 },
    });
  });

  it('lax booleans, case-insensitive (case 9)', () => {
    for (const input of ['TRUE', 'Yes', 'on', 't', 'Y', '1']) expect(parse(`is_bpc=${input}`).isBpc).toBe(true);
    for (const input of ['False', 'NO', 'off', 'f', 'n', '0']) expect(parse(`is_bpc=${input}`).isBpc).toBe(false);
    expect(parse('is_ship_contract=true').isShipContract).toBe(true);
    for (const input of ['maybe', '2', 'truee', '', ' true']) {
      expect(onlyError(`is_bpc=${encodeURIComponent(input)}`)).toStrictEqual({
        type: 'bool_parsing',
        loc: ['query', 'is_bpc'],
        msg: 'Input should be a valid boolean, unable to interpret input',
        input,
      });
    }
  });

  it('contract_type=barter → enum listing the five types (case 10)', () => {
    expect(onlyError('contract_type=barter')).toEqual({
      type: 'enum',
      loc: ['query', 'contract_type', 0],
      msg: `Input should be ${CONTRACT_TYPE_EXPECTED}`,
      input: 'barter',
      ctx: { expected: CONTRACT_TYPE_EXPECTED },
    });
  });

  it('enum values are case-sensitive; messages list values in declaration order (case 10)', () => {
    expect(onlyError('contract_type=Courier')).toMatchObject({ type: 'enum', input: 'Courier' });
    expect(onlyError('sort_direction=DESC')).toEqual({
      type: 'enum',
      loc: ['query', 'sort_direction'],
      msg: "Input should be 'asc' or 'desc'",
      input: 'DESC',
      ctx: { expected: "'asc' or 'desc'" },
    });
    // The upstream nine, then the extension sorts (docs/api.md §13).
    const expected =
      "'date_issued', 'date_expired', 'price', 'collateral', 'ship_name', 'volume', 'reward_per_volume', " +
      "'days_to_complete', 'buyout', 'reward_per_jump', 'route_jumps' or 'current_price'";
    expect(onlyError('sort_by=name')).toEqual({
      type: 'enum',
      loc: ['query', 'sort_by'],
      msg: `Input should be ${expected}`,
      input: 'name',
      ctx: { expected },
    });
    for (const field of SORT_FIELDS) expect(parse(`sort_by=${field}`).sortBy).toBe(field);
    expect(parse('sort_direction=asc')).toMatchObject({ sortBy: 'date_issued', sortDirection: 'asc' });
  });

  it('region_ids=10000002&region_ids=abc → one error at index 1 (case 11)', () => {
    expect(errorsFor('region_ids=10000002&region_ids=abc')).toStrictEqual([
      { type: 'int_parsing', loc: ['query', 'region_ids', 1], msg: INT_PARSING, input: 'abc' },
    ]);
  });

  it('comma lists and empty occurrences are invalid elements; bracket keys are unknown (case 11)', () => {
    expect(onlyError('region_ids=1,2')).toMatchObject({ type: 'int_parsing', loc: ['query', 'region_ids', 0], input: '1,2' });
    expect(onlyError('region_ids=')).toMatchObject({ type: 'int_parsing', loc: ['query', 'region_ids', 0], input: '' });
    expect(errorsFor('region_ids=1&region_ids=&region_ids=x').map((e) => e.loc)).toEqual([
      ['query', 'region_ids', 1],
      ['query', 'region_ids', 2],
    ]);
    expect(parse('region_ids[]=1')).toEqual(DEFAULTS);
  });

  it('duplicate list values collapse; lists come out sorted (case 12)', () => {
    const once = parse('region_ids=10000002');
    const twice = parse('region_ids=10000002&region_ids=10000002');
    expect(twice.regionIds).toEqual([10000002n]);
    expect(canonicalQueryKey(twice)).toBe(canonicalQueryKey(once));
    const shuffled = parse('region_ids=2&region_ids=1&region_ids=1');
    expect(shuffled.regionIds).toEqual([1n, 2n]);
    expect(canonicalQueryKey(shuffled)).toBe(canonicalQueryKey(parse('region_ids=1&region_ids=2')));
    expect(parse('contract_type=unknown&contract_type=courier&contract_type=item_exchange').contractTypes).toEqual([
      'item_exchange',
      'courier',
      'unknown',
    ]);
  });

  it('a repeated scalar takes its last occurrence, and only that one is validated (case 12)', () => {
    expect(parse('page=5&page=2').page).toBe(2n);
    expect(parse('page=abc&page=2').page).toBe(2n);
    expect(errorsFor('page=2&page=abc')).toStrictEqual([
      { type: 'int_parsing', loc: ['query', 'page'], msg: INT_PARSING, input: 'abc' },
    ]);
    expect(parse('search=ab&search=abc').search).toBe('abc');
  });

  it('five errors are reported together in parameter order (case 13)', () => {
    const errors = errorsFor('sort_direction=up&page=0&region_ids=x&search=ab&is_bpc=maybe');
    expect(errors.map((e) => [e.type, e.loc])).toEqual([
      ['string_too_short', ['query', 'search']],
      ['int_parsing', ['query', 'region_ids', 0]],
      ['bool_parsing', ['query', 'is_bpc']],
      ['greater_than_equal', ['query', 'page']],
      ['enum', ['query', 'sort_direction']],
    ]);
  });

  it('every parameter reports in §6.1 order whatever the order of the query string (case 13)', () => {
    const bad: Record<string, string> = Object.fromEntries(PARAM_ORDER.map((name) => [name, 'zz']));
    const errors = errorsOf(() => parseContractListQuery(Object.fromEntries(Object.entries(bad).reverse())));
    expect(errors.map((e) => e.loc[1])).toEqual(PARAM_ORDER);
  });
});

describe('docs/api.md §6.3 examples', () => {
  it.each<[string, ValidationErrorItem]>([
    [
      'type_ids=9223372036854775808',
      { type: 'int_parsing_size', loc: ['query', 'type_ids', 0], msg: INT_PARSING_SIZE, input: '9223372036854775808' },
    ],
    [
      'min_price=inf',
      { type: 'finite_number', loc: ['query', 'min_price'], msg: 'Input should be a finite number', input: 'inf' },
    ],
    [
      'is_bpc=maybe',
      {
        type: 'bool_parsing',
        loc: ['query', 'is_bpc'],
        msg: 'Input should be a valid boolean, unable to interpret input',
        input: 'maybe',
      },
    ],
  ])('%s', (qs, expected) => {
    expect(errorsFor(qs)).toStrictEqual([expected]);
  });

  it('serialises with the wire key order type, loc, msg, input, ctx', () => {
    expect(JSON.stringify(errorsFor('search=ab'))).toBe(
      '[{"type":"string_too_short","loc":["query","search"],"msg":"String should have at least 3 characters","input":"ab","ctx":{"min_length":3}}]',
    );
  });

  it('RequestValidationError carries status 422 and the error list', () => {
    const error = new RequestValidationError([]);
    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(422);
    expect(error.detail).toEqual([]);
  });
});

describe('parseContractIdParam (docs/api.md §9)', () => {
  it('non-integers → int_parsing at ["path","contract_id"] (case 50)', () => {
    for (const input of ['abc', '1.5', '', ' 5']) {
      expect(errorsOf(() => parseContractIdParam(input))).toStrictEqual([
        { type: 'int_parsing', loc: ['path', 'contract_id'], msg: INT_PARSING, input },
      ]);
    }
  });

  it('outside int64 → int_parsing_size (case 50)', () => {
    expect(errorsOf(() => parseContractIdParam('9223372036854775808'))).toStrictEqual([
      { type: 'int_parsing_size', loc: ['path', 'contract_id'], msg: INT_PARSING_SIZE, input: '9223372036854775808' },
    ]);
  });

  it('zero and negative ids are valid input (they are simply not found) (case 50)', () => {
    expect(parseContractIdParam('0')).toBe(0n);
    expect(parseContractIdParam('-5')).toBe(-5n);
    expect(parseContractIdParam('999999999')).toBe(999999999n);
  });

  it('round-trips every int64 and rejects every integer outside it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => parseContractIdParam(String(n)) === n),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 63n, max: 2n ** 80n }), fc.boolean(), (n, negative) => {
        const input = String(negative ? -n - 1n : n);
        const [error] = errorsOf(() => parseContractIdParam(input));
        return error?.type === 'int_parsing_size';
      }),
    );
  });
});

describe('canonicalQueryKey', () => {
  it('renders non-null values in parameter order with bigints as decimal strings', () => {
    const params = parse('sort_by=price&type_ids=9223372036854775807&min_price=1e3&search=%20Rifter%20&is_bpc=no');
    expect(JSON.parse(canonicalQueryKey(params))).toEqual([
      ['search', 'Rifter'],
      ['min_price', 1000],
      ['type_ids', ['9223372036854775807']],
      ['is_bpc', false],
      ['page', '1'],
      ['size', 50],
      ['sort_by', 'price'],
      ['sort_direction', 'desc'],
    ]);
  });

  it('differs when the effective parameters differ', () => {
    const keys = ['', 'page=2', 'size=49', 'is_bpc=true', 'is_bpc=false', 'region_ids=1', 'system_ids=1', 'min_price=0'];
    expect(new Set(keys.map((qs) => canonicalQueryKey(parse(qs)))).size).toBe(keys.length);
  });

  it('is the same for equivalent spellings of a value', () => {
    expect(canonicalQueryKey(parse('page=%2B007&min_price=1e3&is_bpc=YES'))).toBe(
      canonicalQueryKey(parse('page=7&min_price=1000.0&is_bpc=true')),
    );
  });
});

describe('contractListQuerySchema', () => {
  it('documents every parameter in §6.1 order, none required, with the reference enum ids', () => {
    expect(Object.keys(contractListQuerySchema.shape)).toEqual(PARAM_ORDER);
    const json = z.toJSONSchema(contractListQuerySchema, { io: 'input' });
    expect(json.required ?? []).toEqual([]);
    expect(Object.keys(json.$defs ?? {}).sort()).toEqual(['ContractType', 'SortDirection', 'SortableContractFields']);
    expect(json.$defs?.ContractType).toMatchObject({ enum: [...CONTRACT_TYPES] });
    expect(json.properties?.size).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    // Ids above 2^53 are valid input, so the documented range must not stop at the safe-integer limit.
    expect(json.properties?.region_ids).toMatchObject({ items: { type: 'integer', format: 'int64' } });
    expect(JSON.stringify(json)).not.toContain('9007199254740991');
    for (const name of PARAM_ORDER) {
      expect(json.properties?.[name]).toHaveProperty('description');
    }
  });
});

describe('property: parsing never fails unexpectedly', () => {
  const interesting = fc.constantFrom(
    '', ' ', '0', '-0', '1', '-1', '+2', '007', '1.5', '.5', '5.', '1e3', '1e999', 'inf', '-Infinity', 'nan', '0x10',
    '1,2', 'true', 'FALSE', 'maybe', 'courier', 'Courier', 'asc', 'DESC', 'price', 'ab', '  abc  ', '🚀🚀🚀',
    '9223372036854775807', '9223372036854775808', '-9223372036854775809', '__proto__', 'constructor',
  );
  const value = fc.oneof(interesting, fc.string(), fc.string({ unit: 'binary', maxLength: 120 }));
  const key = fc.oneof(
    fc.constantFrom(...PARAM_ORDER, 'region_ids[]', 'foo', '__proto__', 'constructor', 'toString'),
    fc.string({ maxLength: 12 }),
  );
  const rawQuery = fc.dictionary(key, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 4 })), {
    maxKeys: 10,
  });

  it('returns params or throws RequestValidationError with well-formed, ordered items', () => {
    fc.assert(
      fc.property(rawQuery, (raw) => {
        let params: ContractListParams;
        try {
          params = parseContractListQuery(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(RequestValidationError);
          const detail = (error as RequestValidationError).detail;
          expect(detail.length).toBeGreaterThan(0);
          for (const item of detail) {
            expect(Object.keys(item).slice(0, 4)).toEqual(['type', 'loc', 'msg', 'input']);
            expect(typeof item.type).toBe('string');
            expect(typeof item.msg).toBe('string');
            expect(typeof item.input).toBe('string');
            expect(item.loc[0]).toBe('query');
            expect(PARAM_ORDER).toContain(item.loc[1]);
          }
          const order = detail.map((item) => PARAM_ORDER.indexOf(item.loc[1] as string) * 1000 + Number(item.loc[2] ?? 0));
          expect(order).toEqual([...order].sort((a, b) => a - b));
          return;
        }
        expect(params.page).toBeGreaterThanOrEqual(1n);
        expect(params.size).toBeGreaterThanOrEqual(1);
        expect(params.size).toBeLessThanOrEqual(100);
        expect(typeof canonicalQueryKey(params)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('the canonical key ignores the order and repetition of list occurrences', () => {
    const ids = fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(ids, fc.func(fc.integer()), (values, rank) => {
        const original = values.map(String);
        const permuted = [...original, ...original].sort((a, b) => rank(a) - rank(b));
        const a = parseContractListQuery({ region_ids: original });
        const b = parseContractListQuery({ region_ids: permuted });
        expect(canonicalQueryKey(b)).toBe(canonicalQueryKey(a));
        expect(a.regionIds).toEqual([...new Set(values)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
      }),
      { numRuns: 200 },
    );
  });
});
