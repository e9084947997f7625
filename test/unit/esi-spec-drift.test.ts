/**
 * Drift check between ESI's published spec (a projection of it for the routes we use,
 * `test/fixtures/esi-spec-snapshot.json`, copied from shared/data/upstream) and what
 * `src/esi/payloads.ts` parses (docs/sync.md §2):
 *
 * - every response field the snapshot declares for a route we use is either parsed or on the
 *   explicit IGNORED allow-list below, and both lists are checked by behaviour: a parsed field's
 *   value reaches the parsed output, an ignored field's value never does;
 * - required-ness matches: removing a field ESI marks required fails the parse, removing an
 *   optional one does not; a value of the wrong type for a parsed field is rejected;
 * - the snapshot's pinned compatibility date is the default ESI_COMPATIBILITY_DATE, so bumping
 *   the date without regenerating and re-checking the snapshot fails here.
 *
 * When this fails after regenerating the snapshot: read the diff, update docs/sync.md §2 and
 * payloads.ts (or IGNORED, with a reason), never the snapshot alone.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  categorySchema,
  groupSchema,
  namesResponseSchema,
  parseItemRow,
  parseListingRow,
  regionIdsSchema,
  stationSchema,
  typeSchema,
} from '../../src/esi/payloads.js';

interface FieldSpec {
  readonly type: 'integer' | 'number' | 'string' | 'boolean' | 'array' | 'object';
  readonly format?: string;
  readonly enum?: readonly string[];
  readonly required?: boolean;
  readonly items?: FieldSpec;
}

interface RouteSpec {
  readonly present: boolean;
  readonly operation_compatibility_date: string;
  readonly response_fields: Readonly<Record<string, FieldSpec>>;
  readonly known_absent_fields: Readonly<Record<string, unknown>>;
  readonly request_body: { readonly required: boolean; readonly schema: Record<string, unknown> } | null;
}

interface Snapshot {
  readonly pinned_compatibility_date: string;
  readonly views: { readonly pinned: Readonly<Record<string, RouteSpec>> };
}

const snapshot = JSON.parse(readFileSync(new URL('../fixtures/esi-spec-snapshot.json', import.meta.url), 'utf8')) as Snapshot;
const pinned = snapshot.views.pinned;

type Parsed = { ok: true; value: unknown } | { ok: false };

function fromZod(result: { success: true; data: unknown } | { success: false }): Parsed {
  return result.success ? { ok: true, value: result.data } : { ok: false };
}

interface UsedRoute {
  readonly id: string;
  /** Parses one response object (one element, for array responses) the way the sync does. */
  readonly parse: (value: unknown) => Parsed;
  /** Top-level fields whose values we read. */
  readonly parsed: readonly string[];
  /** Declared fields we deliberately do not read, with the reason. */
  readonly ignored: Readonly<Record<string, string>>;
}

/** E1–E7 of docs/sync.md §2, keyed as in the snapshot (unversioned paths). */
const USED_ROUTES: Readonly<Record<string, UsedRoute>> = {
  'GET /contracts/public/{region_id}': {
    id: 'E1',
    parse: (row) => {
      const result = parseListingRow(row);
      return result.ok ? { ok: true, value: result.row } : { ok: false };
    },
    parsed: [
      'contract_id', 'type', 'issuer_id', 'issuer_corporation_id', 'date_issued', 'date_expired', 'price', 'buyout', 'reward',
      'collateral', 'days_to_complete', 'start_location_id', 'end_location_id', 'for_corporation', 'title', 'volume',
    ],
    ignored: {},
  },
  'GET /contracts/public/items/{contract_id}': {
    id: 'E2',
    parse: (row) => {
      const result = parseItemRow(row);
      return result.ok ? { ok: true, value: result.row } : { ok: false };
    },
    parsed: ['record_id', 'type_id', 'quantity', 'is_included', 'is_blueprint_copy', 'item_id', 'runs', 'material_efficiency', 'time_efficiency'],
    ignored: {},
  },
  'POST /universe/names': {
    id: 'E3',
    parse: (entry) => fromZod(namesResponseSchema.safeParse([entry])),
    parsed: ['id', 'name', 'category'],
    ignored: {},
  },
  'GET /universe/stations/{station_id}': {
    id: 'E4',
    parse: (body) => fromZod(stationSchema.safeParse(body)),
    parsed: ['station_id', 'name', 'system_id'],
    ignored: {
      type_id: 'the station structure type: not shown',
      owner: 'owning NPC corporation: not shown',
      race_id: 'not shown',
      position: 'coordinates in space: not used',
      services: 'station services: not used',
      max_dockable_ship_volume: 'not used',
      office_rental_cost: 'not used',
      reprocessing_efficiency: 'not used',
      reprocessing_stations_take: 'not used',
    },
  },
  'GET /universe/types/{type_id}': {
    id: 'E5',
    parse: (body) => fromZod(typeSchema.safeParse(body)),
    parsed: ['type_id', 'name', 'group_id', 'market_group_id'],
    ignored: {
      description: 'long localized text: not shown',
      published: 'unpublished types still appear in contracts; not a filter',
      capacity: 'not used',
      volume: 'listing rows carry the contract volume',
      packaged_volume: 'not used',
      mass: 'not used',
      radius: 'not used',
      portion_size: 'not used',
      graphic_id: 'no images served',
      icon_id: 'no images served',
      dogma_attributes: 'fitting data: not used',
      dogma_effects: 'fitting data: not used',
    },
  },
  'GET /universe/groups/{group_id}': {
    id: 'E6',
    parse: (body) => fromZod(groupSchema.safeParse(body)),
    parsed: ['group_id', 'name', 'category_id'],
    ignored: {
      published: 'not a filter',
      types: 'type → group comes from E5, never the reverse list',
    },
  },
  'GET /universe/categories/{category_id}': {
    id: 'E7',
    parse: (body) => fromZod(categorySchema.safeParse(body)),
    parsed: ['category_id', 'name'],
    ignored: {
      published: 'not a filter',
      groups: 'group → category comes from E6, never the reverse list',
    },
  },
};

/**
 * Routes we use whose body is a bare array of ids: the snapshot declares no fields for them, so the
 * field checks below do not apply (src/esi/payloads.ts parses them whole).
 */
const USED_ID_LIST_ROUTES: Readonly<Record<string, string>> = {
  'GET /universe/regions': 'E8: every region id, for AGGREGATION_REGION_IDS=all (docs/sync.md §7)',
};

/** Routes the snapshot projects (for another consumer of the same spec) that Hangar Bay never calls. */
const UNUSED_ROUTES: Readonly<Record<string, string>> = {
  'GET /universe/regions/{region_id}': 'region names come from static data',
  'POST /universe/ids': 'names → ids is never needed; E3 resolves ids → names',
};

// --- the snapshot's field tree -------------------------------------------------------------------

/** Array responses declare their element's fields as `[].name`. */
function elementPrefix(fields: Readonly<Record<string, FieldSpec>>): string {
  return Object.keys(fields).every((key) => key.startsWith('[].')) ? '[].' : '';
}

/** Fields directly below `prefix` (`position.` → `x`, `[].` → top-level fields of an array element). */
function childrenOf(fields: Readonly<Record<string, FieldSpec>>, prefix: string): [string, FieldSpec][] {
  return Object.entries(fields)
    .filter(([key]) => key.startsWith(prefix) && !/[.[]/.test(key.slice(prefix.length)))
    .map(([key, spec]): [string, FieldSpec] => [key.slice(prefix.length), spec]);
}

function topLevelFields(route: RouteSpec): Map<string, FieldSpec> {
  return new Map(childrenOf(route.response_fields, elementPrefix(route.response_fields)));
}

// --- sample payloads built from the snapshot -----------------------------------------------------

let counter = 0;

/** A valid value of the declared shape; nested objects and arrays are filled from their sub-fields. */
function sampleValue(fields: Readonly<Record<string, FieldSpec>>, path: string, spec: FieldSpec): unknown {
  counter += 1;
  if (spec.enum) return spec.enum[0];
  switch (spec.type) {
    case 'integer':
      return spec.format === 'int32' ? 1000 + counter : 1_000_000 + counter;
    case 'number':
      return 1000.5 + counter;
    case 'boolean':
      return true;
    case 'string':
      return spec.format === 'date-time' ? new Date(Date.UTC(2026, 6, 21, 12, 0, counter % 60)).toISOString() : `text ${counter}`;
    case 'object':
      return sampleObject(fields, `${path}.`, true);
    case 'array': {
      if (childrenOf(fields, `${path}[].`).length > 0) return [sampleObject(fields, `${path}[].`, true)];
      return spec.items ? [sampleValue(fields, `${path}[]`, spec.items)] : [];
    }
  }
}

function sampleObject(fields: Readonly<Record<string, FieldSpec>>, prefix: string, withOptional: boolean): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [name, spec] of childrenOf(fields, prefix)) {
    if (spec.required || withOptional) object[name] = sampleValue(fields, `${prefix}${name}`, spec);
  }
  return object;
}

function sample(route: RouteSpec, withOptional = true): Record<string, unknown> {
  return sampleObject(route.response_fields, elementPrefix(route.response_fields), withOptional);
}

/** Another valid value of the same declared type, different from `value`. */
function otherValue(spec: FieldSpec, value: unknown): unknown {
  if (spec.enum) return spec.enum.find((candidate) => candidate !== value);
  switch (spec.type) {
    case 'integer':
      return (value as number) + 1;
    case 'number':
      return (value as number) + 0.25;
    case 'boolean':
      return !(value as boolean);
    case 'string':
      return spec.format === 'date-time' ? new Date(Date.parse(value as string) + 86_400_000).toISOString() : `${value as string} (changed)`;
    default:
      throw new Error(`no mutation for ${spec.type}`);
  }
}

/** Values ESI's declared type excludes. */
function wrongValues(spec: FieldSpec): unknown[] {
  switch (spec.type) {
    case 'integer':
      return [1.5, '42', true];
    case 'number':
      return ['1.5', true];
    case 'boolean':
      return ['true', 1];
    case 'string':
      return spec.format === 'date-time' ? ['not a date', 1784635200] : [42, true];
    default:
      return ['x'];
  }
}

function without(object: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[name];
  return copy;
}

function parseOk(route: UsedRoute, value: unknown, what: string): unknown {
  const result = route.parse(value);
  if (!result.ok) throw new Error(`${route.id}: ${what} was rejected: ${JSON.stringify(value)}`);
  return result.value;
}

// --- the checks ----------------------------------------------------------------------------------

describe('ESI spec snapshot: routes and compatibility date', () => {
  it('the pinned compatibility date is the default ESI_COMPATIBILITY_DATE (bumping it means re-checking docs/sync.md §2)', () => {
    const defaults = loadConfig({}, new Date('2026-11-27T12:00:00Z'));
    expect(defaults.esiCompatibilityDate).toBe('2026-07-21');
    expect(snapshot.pinned_compatibility_date).toBe(defaults.esiCompatibilityDate);
  });

  it('every route the snapshot projects is either one we use (E1–E8) or explicitly unused', () => {
    expect(Object.keys(pinned).sort()).toEqual([...Object.keys(USED_ROUTES), ...Object.keys(USED_ID_LIST_ROUTES), ...Object.keys(UNUSED_ROUTES)].sort());
  });

  it.each([...Object.keys(USED_ROUTES), ...Object.keys(USED_ID_LIST_ROUTES)])('%s is present at the pinned date, with an operation date not after it', (key) => {
    const route = pinned[key]!;
    expect(route.present).toBe(true);
    expect(route.operation_compatibility_date <= snapshot.pinned_compatibility_date).toBe(true);
  });

  it('E8 declares no fields: its body is the bare id array regionIdsSchema reads', () => {
    expect(pinned['GET /universe/regions']!.response_fields).toEqual({});
    expect(regionIdsSchema.safeParse([10000002, 11000001]).success).toBe(true);
    expect(regionIdsSchema.safeParse([{ region_id: 10000002 }]).success).toBe(false);
  });

  it('E3 takes 1–1000 unique int64 ids (docs/sync.md §2)', () => {
    expect(pinned['POST /universe/names']!.request_body).toMatchObject({
      required: true,
      schema: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: { type: 'integer', format: 'int64' } },
    });
  });
});

describe.each(Object.entries(USED_ROUTES))('%s', (key, route) => {
  const spec = pinned[key]!;
  const fields = topLevelFields(spec);
  const parsedSpecs = route.parsed.map((name) => [name, fields.get(name)!] as const);

  it('every declared field is parsed or deliberately ignored, and both lists name only declared fields', () => {
    const declared = [...fields.keys()].sort();
    expect(declared, 'fields the snapshot declares').toEqual([...route.parsed, ...Object.keys(route.ignored)].sort());
    expect(route.parsed.filter((name) => name in route.ignored), 'both parsed and ignored').toEqual([]);
  });

  it('nested fields belong only to ignored fields (payloads.ts reads no nested field)', () => {
    const prefix = elementPrefix(spec.response_fields);
    const nestedParents = Object.keys(spec.response_fields)
      .map((fullKey) => fullKey.slice(prefix.length))
      .filter((name) => /[.[]/.test(name))
      .map((name) => name.split(/[.[]/)[0]!);
    for (const parent of nestedParents) expect(Object.keys(route.ignored), `${parent} has nested fields`).toContain(parent);
  });

  it('a payload with every declared field parses; so does one with only the required fields', () => {
    parseOk(route, sample(spec), 'a full payload');
    parseOk(route, sample(spec, false), 'a payload of the required fields only');
  });

  it('required-ness matches ESI: a required field missing fails the parse, an optional one missing does not', () => {
    const full = sample(spec);
    for (const [name, field] of parsedSpecs) {
      const result = route.parse(without(full, name));
      expect(result.ok, `${route.id} ${name} is ${field.required ? 'required' : 'optional'} in ESI's spec`).toBe(!field.required);
    }
  });

  it('parsed fields reach the output; values of another type are rejected', () => {
    const full = sample(spec);
    const baseline = parseOk(route, full, 'a full payload');
    for (const [name, field] of parsedSpecs) {
      const changed = parseOk(route, { ...full, [name]: otherValue(field, full[name]) }, `another valid ${name}`);
      expect(isDeepStrictEqual(changed, baseline), `${route.id} ${name}: changing it must change the parsed value`).toBe(false);
      for (const wrong of wrongValues(field)) {
        expect(route.parse({ ...full, [name]: wrong }).ok, `${route.id} ${name}=${JSON.stringify(wrong)} (ESI type ${field.type})`).toBe(false);
      }
    }
  });

  it('ignored fields never reach the output, whether present, absent or malformed', () => {
    const full = sample(spec);
    const baseline = parseOk(route, full, 'a full payload');
    for (const name of Object.keys(route.ignored)) {
      expect(isDeepStrictEqual(parseOk(route, without(full, name), `a payload without ${name}`), baseline), `${route.id} ${name} absent`).toBe(true);
      expect(isDeepStrictEqual(parseOk(route, { ...full, [name]: { unexpected: [null] } }, `a malformed ${name}`), baseline), `${route.id} ${name} malformed`).toBe(
        true,
      );
    }
  });

  it('every output value comes from a declared field (we parse nothing the spec does not declare)', () => {
    const full = sample(spec);
    const baseline = parseOk(route, full, 'a full payload');
    const element = (value: unknown) => (Array.isArray(value) ? value[0] : value) as Record<string, unknown>;
    const touched = new Set<string>();
    for (const [name, field] of parsedSpecs) {
      const changed = element(parseOk(route, { ...full, [name]: otherValue(field, full[name]) }, `another valid ${name}`));
      for (const [outputKey, value] of Object.entries(changed)) {
        if (!isDeepStrictEqual(value, element(baseline)[outputKey])) touched.add(outputKey);
      }
    }
    expect(Object.keys(element(baseline)).filter((outputKey) => !touched.has(outputKey))).toEqual([]);
  });

  it('fields absent from the public route (authenticated-route fields, future additions) are ignored, not rejected', () => {
    const full = sample(spec);
    const baseline = parseOk(route, full, 'a full payload');
    const extras = { ...Object.fromEntries(Object.keys(spec.known_absent_fields).map((name) => [name, 'outstanding'])), field_added_later: 1 };
    expect(isDeepStrictEqual(parseOk(route, { ...full, ...extras }, 'a payload with extra fields'), baseline)).toBe(true);
  });

  it('enum fields accept every value ESI lists (and keep unknown values raw, docs/sync.md §2.1)', () => {
    const full = sample(spec);
    for (const [name, field] of parsedSpecs) {
      for (const value of field.enum ?? []) parseOk(route, { ...full, [name]: value }, `${name}=${value}`);
      if (field.enum) parseOk(route, { ...full, [name]: 'value_added_later' }, `${name} outside the enum`);
    }
  });
});
