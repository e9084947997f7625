/**
 * E3 (names), E4–E7 (station, type, group, category) and E8 (region ids) from the committed SDE
 * subset and the generated issuers. Universe objects expire at the next 11:05 UTC, like ESI's.
 */
import { nextDowntimeExpiry, previousDowntimeExpiry } from './clock.js';
import type { FaultHook } from './faults.js';
import { mix32 } from './random.js';
import { cachedJson, errorReply, jsonReply, type FakeEnv, type Reply } from './reply.js';

const STATION_SERVICES = [
  'courier-missions', 'reprocessing-plant', 'market', 'repair-facilities', 'fitting', 'news', 'storage', 'insurance',
  'docking', 'office-rental', 'loyalty-point-store', 'navy-offices',
];

/** E3 `POST /universe/names`: 1–1000 unique ids; any unknown id makes the whole body 404. */
export function names(env: FakeEnv, raw: Buffer, hook: FaultHook): Reply {
  let ids: unknown;
  try {
    ids = JSON.parse(raw.toString('utf8'));
  } catch {
    return errorReply(400, 'Request body is not valid JSON');
  }
  if (!Array.isArray(ids) || ids.length === 0) return errorReply(400, 'Expected a non-empty array of ids');
  if (ids.length > 1000) return errorReply(400, 'Maximum of 1000 IDs allowed');
  if (!ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id))) {
    return errorReply(400, 'Every id must be an integer');
  }
  const numeric = ids as number[];
  if (new Set(numeric).size !== numeric.length) return errorReply(400, 'Duplicate IDs are not allowed');
  const bad = hook.take('bad-name-id', (s) => numeric.some((id) => s.ids.includes(id)));
  if (bad && bad.status !== undefined && bad.status !== 404) return errorReply(bad.status, 'Invalid ID in request');
  const resolved = numeric.map((id) => (id > 0 ? env.pop.nameOf(id) : undefined));
  if (bad || resolved.some((r) => r === undefined)) return errorReply(404, 'Ensure all IDs are valid before resolving.');
  return jsonReply(
    200,
    numeric.map((id, i) => ({ category: resolved[i]!.category, id, name: resolved[i]!.name })),
  );
}

function universeReply(env: FakeEnv, value: unknown): Reply {
  const now = env.clock.now();
  return cachedJson(env, value, previousDowntimeExpiry(now), nextDowntimeExpiry(now));
}

/** E4 `GET /universe/stations/{station_id}`: real name and system; the rest is plausible filler. */
export function station(env: FakeEnv, stationId: number): Reply {
  const found = env.pop.sde.stations.find((s) => s.station_id === stationId);
  if (!found) return errorReply(404, 'Station not found');
  const h = mix32(env.options.seed, stationId, 'station');
  return universeReply(env, {
    max_dockable_ship_volume: 50_000_000,
    name: found.name,
    office_rental_cost: 10_000 + (h % 90) * 1000,
    owner: 1_000_000 + (h % 180),
    position: { x: (h % 2_000_000) * 1_000_000 - 1e12, y: (h % 7919) * 1_000_000, z: (h % 104_729) * 10_000_000 },
    race_id: 1 + (h % 8),
    reprocessing_efficiency: 0.5,
    reprocessing_stations_take: 0.05,
    services: STATION_SERVICES,
    station_id: found.station_id,
    system_id: found.system_id,
    type_id: 1531,
  });
}

/** E5 `GET /universe/types/{type_id}`; `market_group_id` is absent for non-market types, as in ESI. */
export function type(env: FakeEnv, typeId: number): Reply {
  const found = env.pop.typeById.get(typeId);
  if (!found) return errorReply(404, 'Type not found');
  const body: Record<string, unknown> = { capacity: 0, description: '', group_id: found.group_id };
  if (found.market_group_id !== null) body.market_group_id = found.market_group_id;
  Object.assign(body, {
    name: found.name,
    packaged_volume: found.volume,
    portion_size: 1,
    published: true,
    type_id: found.type_id,
    volume: found.volume,
  });
  return universeReply(env, body);
}

/**
 * Regions ESI lists besides known space: a few wormhole (11xxxxxx), Abyssal (12xxxxxx) and other
 * special regions, none of which has public contracts.
 */
export const NON_KNOWN_SPACE_REGION_IDS: readonly number[] = [11000001, 11000002, 11000033, 12000001, 12000005, 14000001, 19000001];

/**
 * E8 `GET /universe/regions`: the universe's regions (every known-space region with `regions:
 * 'all'`) and the special regions above, ascending, as ESI lists them.
 */
export function regionList(env: FakeEnv): Reply {
  const ids = [...env.universe.regionIds(), ...NON_KNOWN_SPACE_REGION_IDS].sort((a, b) => a - b);
  return universeReply(env, ids);
}

/** E6 `GET /universe/groups/{group_id}`. */
export function group(env: FakeEnv, groupId: number): Reply {
  const found = env.pop.sde.groups.find((g) => g.group_id === groupId);
  if (!found) return errorReply(404, 'Group not found');
  return universeReply(env, {
    category_id: found.category_id,
    group_id: found.group_id,
    name: found.name,
    published: found.published,
    types: env.pop.typesByGroup.get(groupId) ?? [],
  });
}

/** E7 `GET /universe/categories/{category_id}`. */
export function category(env: FakeEnv, categoryId: number): Reply {
  const found = env.pop.sde.categories.find((c) => c.category_id === categoryId);
  if (!found) return errorReply(404, 'Category not found');
  return universeReply(env, {
    category_id: found.category_id,
    groups: env.pop.groupsByCategory.get(categoryId) ?? [],
    name: found.name,
    published: found.published,
  });
}
