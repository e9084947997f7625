/**
 * Request parsing for `GET /contracts/` and `GET /contracts/{contract_id}` (docs/api.md §6.1–6.3, §9).
 *
 * One declarative table (`PARAMS`, in §6.1 order) drives parsing, the order of reported errors, the
 * canonical cache key and the OpenAPI documentation, so the four can never disagree.
 */
import { z } from 'zod';
import {
  RequestValidationError,
  boolParsing,
  enumMismatch,
  finiteNumber,
  floatParsing,
  greaterThanEqual,
  intParsing,
  intParsingSize,
  lessThanEqual,
  stringTooLong,
  stringTooShort,
  toErrorItem,
  valueError,
  type ValidationErrorItem,
  type ValidationIssue,
} from './validation-errors.js';

export { RequestValidationError, type ValidationErrorItem } from './validation-errors.js';

import { CONTRACT_TYPES, type ContractType } from '../domain/contract-types.js';
import { SORT_DIRECTIONS, SORT_FIELDS, type ContractListParams } from '../domain/contract-query.js';
import { MAX_JUMPS_WITHIN, starMap } from '../map/star-map.js';

// Registered under fixed ids so the OpenAPI document names them like the reference document does.
// An id can be registered only once: reuse these exports instead of declaring the enums again.
export const contractTypeSchema = z.enum(CONTRACT_TYPES).meta({ id: 'ContractType' });
export const sortFieldSchema = z.enum(SORT_FIELDS).meta({ id: 'SortableContractFields' });
export const sortDirectionSchema = z.enum(SORT_DIRECTIONS).meta({ id: 'SortDirection' });

/** What Fastify's default querystring parser yields: one occurrence → string, several → string[]. */
export type RawQuery = Record<string, string | string[] | undefined>;

type Parsed<T> = { ok: true; value: T } | { ok: false; issue: ValidationIssue };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(issue: ValidationIssue): Parsed<T> => ({ ok: false, issue });

/** How one raw string becomes a value, and how that value is documented. */
export interface Codec<T> {
  parse(input: string): Parsed<T>;
  doc: z.ZodType;
}

const INTEGER = /^[+-]?[0-9]+$/;
const NUMBER = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
// Spellings that Rust's float parser (behind pydantic) reads as inf/NaN: the previous server answered
// them with finite_number rather than float_parsing, and case 8 of the test suite keeps that.
const NON_FINITE_WORD = /^[+-]?(inf|infinity|nan)$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MAX_DIGITS = 19;

function parseInt64(input: string): Parsed<bigint> {
  if (!INTEGER.test(input)) return fail(intParsing());
  // Leading zeros are legal ("007"); the digit-count guard keeps a megabyte of digits away from BigInt.
  if (input.replace(/^[+-]?0*/, '').length > INT64_MAX_DIGITS) return fail(intParsingSize());
  const value = BigInt(input);
  if (value < INT64_MIN || value > INT64_MAX) return fail(intParsingSize());
  return ok(value);
}

// zod's integer schemas document the JS safe-integer range; the API accepts all of int64 (ids above
// 2^53 are valid input), so the JSON-schema bounds are replaced by `format: int64`.
function int64Doc(ge?: bigint): z.ZodType {
  if (ge === undefined) return z.int().meta({ format: 'int64', minimum: undefined, maximum: undefined });
  return z.int().min(Number(ge)).meta({ format: 'int64', maximum: undefined });
}

function int64(bounds: { ge?: bigint } = {}): Codec<bigint> {
  const { ge } = bounds;
  return {
    parse(input) {
      const parsed = parseInt64(input);
      if (parsed.ok && ge !== undefined && parsed.value < ge) return fail(greaterThanEqual(ge));
      return parsed;
    },
    doc: int64Doc(ge),
  };
}

/** An integer with small bounds on both sides, delivered as a JS number (e.g. a page size). */
export function boundedInt(ge: number, le: number): Codec<number> {
  return {
    parse(input) {
      const parsed = parseInt64(input);
      if (!parsed.ok) return parsed;
      if (parsed.value < BigInt(ge)) return fail(greaterThanEqual(ge));
      if (parsed.value > BigInt(le)) return fail(lessThanEqual(le));
      return ok(Number(parsed.value));
    },
    doc: z.int().min(ge).max(le),
  };
}

function finiteNonNegative(): Codec<number> {
  return {
    parse(input) {
      if (!NUMBER.test(input)) return fail(NON_FINITE_WORD.test(input) ? finiteNumber() : floatParsing());
      const value = Number(input);
      if (!Number.isFinite(value)) return fail(finiteNumber());
      if (value < 0) return fail(greaterThanEqual(0));
      // `-0` passes `>= 0`; normalising it keeps "-0" and "0" on one cache key.
      return ok(value + 0);
    },
    doc: z.number().min(0),
  };
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n']);

export const laxBoolean: Codec<boolean> = {
  parse(input) {
    const word = input.toLowerCase();
    if (TRUE_WORDS.has(word)) return ok(true);
    if (FALSE_WORDS.has(word)) return ok(false);
    return fail(boolParsing());
  },
  doc: z.boolean(),
};

function oneOf<T extends string>(values: readonly T[], doc: z.ZodType): Codec<T> {
  return {
    parse(input) {
      return (values as readonly string[]).includes(input) ? ok(input as T) : fail(enumMismatch(values));
    },
    doc,
  };
}

function searchText(min: number, max: number): Codec<string> {
  return {
    parse(input) {
      const trimmed = input.trim();
      // A code point is at most two UTF-16 units, so longer strings need no counting.
      const length = trimmed.length > 2 * max ? Infinity : [...trimmed].length;
      if (length < min) return fail(stringTooShort(min));
      if (length > max) return fail(stringTooLong(max));
      return ok(trimmed);
    },
    doc: z.string().min(min).max(max),
  };
}

export const compareBigint = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const compareContractType = (a: ContractType, b: ContractType): number =>
  CONTRACT_TYPES.indexOf(a) - CONTRACT_TYPES.indexOf(b);

function dedupeSorted<T>(values: readonly T[], compare: (a: T, b: T) => number): T[] {
  return [...new Set(values)].sort(compare);
}

/**
 * One scalar query parameter (docs/api.md §6.2): the last occurrence wins and is the only one
 * validated; absent → `fallback`; an error is appended to `errors` at `["query", name]`.
 */
export function readScalar<T>(name: string, codec: Codec<T>, raw: string | string[] | undefined, fallback: T, errors: ValidationErrorItem[]): T {
  const input = Array.isArray(raw) ? raw.at(-1) : raw;
  if (input === undefined) return fallback;
  const parsed = codec.parse(input);
  if (parsed.ok) return parsed.value;
  errors.push(toErrorItem(parsed.issue, ['query', name], input));
  return fallback;
}

/**
 * One list query parameter (docs/api.md §6.2): each occurrence is an element, errors at
 * `["query", name, index]`; absent → null; values de-duplicated and sorted.
 */
export function readList<T>(
  name: string,
  codec: Codec<T>,
  compare: (a: T, b: T) => number,
  raw: string | string[] | undefined,
  errors: ValidationErrorItem[],
): T[] | null {
  const inputs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (inputs.length === 0) return null;
  const values: T[] = [];
  inputs.forEach((input, index) => {
    const parsed = codec.parse(input);
    if (parsed.ok) values.push(parsed.value);
    else errors.push(toErrorItem(parsed.issue, ['query', name, index], input));
  });
  return dedupeSorted(values, compare);
}

/** The raw value of `name` in a parsed query string: own keys only (a plain object's prototype answers `constructor`). */
export const rawParam = (raw: RawQuery, name: string) => (Object.hasOwn(raw, name) ? raw[name] : undefined);

type Field = keyof ContractListParams;
type ListField = { [K in Field]: ContractListParams[K] extends unknown[] | null ? K : never }[Field];
type ScalarField = Exclude<Field, ListField>;
type Element<K extends ListField> = NonNullable<ContractListParams[K]>[number];

/** One row of the parameter table. */
interface ParamDef {
  /** Name on the wire. */
  readonly name: string;
  readonly field: Field;
  /** Parses this parameter's raw value, appending its errors (if any) to `errors`. */
  read(raw: string | string[] | undefined, errors: ValidationErrorItem[]): unknown;
  /** Re-applies list normalisation so a hand-built parameter set gets the same key as a parsed one. */
  normalize(value: unknown): unknown;
  readonly doc: z.ZodType;
}

function scalar<K extends ScalarField>(
  name: string,
  field: K,
  codec: Codec<NonNullable<ContractListParams[K]>>,
  fallback: ContractListParams[K],
  description: string,
): ParamDef {
  const docDefault = typeof fallback === 'bigint' ? Number(fallback) : fallback;
  return {
    name,
    field,
    read: (raw, errors) => readScalar(name, codec, raw, fallback, errors),
    normalize: (value) => value,
    doc: (docDefault === null ? codec.doc.optional() : codec.doc.default(docDefault)).describe(description),
  };
}

function list<K extends ListField>(
  name: string,
  field: K,
  codec: Codec<Element<K>>,
  compare: (a: Element<K>, b: Element<K>) => number,
  description: string,
): ParamDef {
  return {
    name,
    field,
    read: (raw, errors) => readList(name, codec, compare, raw, errors),
    normalize: (value) => (Array.isArray(value) ? dedupeSorted(value as Element<K>[], compare) : value),
    doc: z.array(codec.doc).optional().describe(description),
  };
}

/** An int64 naming a solar system of the map; any other id is a value error (docs/api.md §13). */
const knownSystem: Codec<bigint> = {
  parse(input) {
    const parsed = parseInt64(input);
    if (!parsed.ok) return parsed;
    return starMap().systemExists(Number(parsed.value)) ? parsed : fail(valueError('unknown solar system'));
  },
  doc: int64Doc(),
};

const money = finiteNonNegative();
/** Blueprint runs (−1: an original), ME and TE bounds, and ids, as every route parses them. */
export const runs = int64({ ge: -1n });
export const efficiency = int64({ ge: 0n });
export const id = int64();
const ITEM_BOUND_NOTE = 'satisfied by one offered item together with the other bound of its family';

// §6.1 order: it is also the order in which errors are reported.
const PARAMS: readonly ParamDef[] = [
  scalar('search', 'search', searchText(3, 100), null, 'Case-insensitive substring of the title or of an offered item name.'),
  scalar('min_price', 'minPrice', money, null, 'Minimum price (inclusive); contracts without a price never match.'),
  scalar('max_price', 'maxPrice', money, null, 'Maximum price (inclusive); contracts without a price never match.'),
  scalar('min_collateral', 'minCollateral', money, null, 'Minimum collateral (inclusive).'),
  scalar('max_collateral', 'maxCollateral', money, null, 'Maximum collateral (inclusive).'),
  scalar('min_runs', 'minRuns', runs, null, `Minimum blueprint-copy runs, ${ITEM_BOUND_NOTE}.`),
  scalar('max_runs', 'maxRuns', runs, null, `Maximum blueprint-copy runs, ${ITEM_BOUND_NOTE}.`),
  scalar('min_me', 'minMe', efficiency, null, `Minimum material efficiency, ${ITEM_BOUND_NOTE}.`),
  scalar('max_me', 'maxMe', efficiency, null, `Maximum material efficiency, ${ITEM_BOUND_NOTE}.`),
  scalar('min_te', 'minTe', efficiency, null, `Minimum time efficiency, ${ITEM_BOUND_NOTE}.`),
  scalar('max_te', 'maxTe', efficiency, null, `Maximum time efficiency, ${ITEM_BOUND_NOTE}.`),
  list('region_ids', 'regionIds', id, compareBigint, 'Listing regions to include (repeat the key for several).'),
  list('system_ids', 'systemIds', id, compareBigint, 'Start solar systems to include; contracts with an unresolved system never match.'),
  list('station_ids', 'stationIds', id, compareBigint, 'Start locations (station or structure ids) to include.'),
  list('type_ids', 'typeIds', id, compareBigint, 'Item type ids; matches contracts offering at least one of them.'),
  list('contract_type', 'contractTypes', oneOf(CONTRACT_TYPES, contractTypeSchema), compareContractType, 'Contract types to include (repeat the key for several).'),
  list('category_id', 'categoryIds', id, compareBigint, 'Item category ids; matches contracts offering an item in any of them.'),
  list('group_id', 'groupIds', id, compareBigint, 'Item group ids; a group narrows only its own category when category_id is also given.'),
  scalar('is_bpc', 'isBpc', laxBoolean, null, 'Whether the contract offers at least one blueprint copy.'),
  scalar('is_ship_contract', 'isShipContract', laxBoolean, null, 'Whether the contract is a ship contract (it offers a ship).'),
  scalar('page', 'page', int64({ ge: 1n }), 1n, 'Page number, from 1.'),
  scalar('size', 'size', boundedInt(1, 100), 50, 'Number of contracts per page.'),
  scalar('sort_by', 'sortBy', oneOf(SORT_FIELDS, sortFieldSchema), 'date_issued', 'Field to sort by.'),
  scalar('sort_direction', 'sortDirection', oneOf(SORT_DIRECTIONS, sortDirectionSchema), 'desc', 'Sort direction.'),
  // Extensions, after the upstream parameters (their errors come after the upstream ones).
  scalar('max_jumps', 'maxJumps', id, null, 'At most this many stargate jumps from the start to the end system (an unknown route never matches).'),
  scalar('highsec_route', 'highsecRoute', laxBoolean, null, 'true: a route through high-sec systems only exists; false: none does.'),
  scalar('min_reward_per_jump', 'minRewardPerJump', money, null, 'Minimum courier reward per jump (inclusive).'),
  scalar('near_system_id', 'nearSystemId', knownSystem, null, 'A solar system: the start system is within max_jumps_from jumps of it.'),
  scalar('max_jumps_from', 'maxJumpsFrom', boundedInt(0, MAX_JUMPS_WITHIN), null, 'Jumps from near_system_id (default 0: that system only).'),
];

/**
 * Parses the list route's query into its effective parameter set.
 * @throws RequestValidationError with every error of the request, in §6.1 parameter order.
 */
export function parseContractListQuery(raw: RawQuery): ContractListParams {
  const errors: ValidationErrorItem[] = [];
  const params: Record<string, unknown> = {};
  for (const def of PARAMS) params[def.field] = def.read(rawParam(raw, def.name), errors);
  if (errors.length > 0) throw new RequestValidationError(errors);
  return params as unknown as ContractListParams;
}

/**
 * A deterministic string for the effective parameter set (JSON of `[name, value]` pairs in §6.1 order,
 * null values left out, bigints as decimal strings), for ETags and result-cache keys.
 */
export function canonicalQueryKey(params: ContractListParams): string {
  const pairs: [string, unknown][] = [];
  for (const def of PARAMS) {
    const value = params[def.field];
    if (value === null) continue;
    pairs.push([def.name, def.normalize(value)]);
  }
  return JSON.stringify(pairs, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/**
 * Parses the detail route's `contract_id`: any int64 is valid (zero and negatives are simply not found).
 * @throws RequestValidationError at `["path","contract_id"]`.
 */
export function parseContractIdParam(raw: string): bigint {
  return parseInt64PathParam('contract_id', raw);
}

/**
 * Parses an int64 path parameter (an id: any int64 is valid, unknown ones are simply not found).
 * @throws RequestValidationError at `["path", name]`.
 */
export function parseInt64PathParam(name: string, raw: string): bigint {
  const parsed = parseInt64(raw);
  if (!parsed.ok) throw new RequestValidationError([toErrorItem(parsed.issue, ['path', name], raw)]);
  return parsed.value;
}

/** Documents the list route's query parameters in OpenAPI; parsing is done by `parseContractListQuery`. */
export const contractListQuerySchema = z.object(Object.fromEntries(PARAMS.map((def) => [def.name, def.doc])));
