/**
 * A synthetic contract's item list: which types, how many rows (median 1, mean ≈ 4.5, p99 ≈ 16,
 * docs/sync.md §9), quantities, and blueprint copies and originals with runs/ME/TE as ESI reports them.
 */
import type { Random } from './random.js';
import type { SeedType, Universe } from './universe.js';

/** What a contract offers (or, for "want to buy", requests); decides its items and title. */
export type Theme = 'ship' | 'bpc' | 'bpo' | 'generic' | 'want_to_buy';

export interface ItemDraft {
  readonly type: SeedType;
  readonly quantity: number;
  readonly isIncluded: boolean;
  readonly blueprint: 'copy' | 'original' | null;
  readonly runs: number | null;
  readonly materialEfficiency: number | null;
  readonly timeEfficiency: number | null;
}

type Kind = 'ship' | 'module' | 'charge' | 'drone' | 'material' | 'accessory' | 'bpc' | 'bpo';

const GENERIC_KINDS: readonly (readonly [Kind, number])[] = [
  ['module', 40],
  ['charge', 20],
  ['drone', 10],
  ['material', 15],
  ['accessory', 10],
  ['bpc', 5],
];
const FIT_KINDS: readonly (readonly [Kind, number])[] = [
  ['ship', 8],
  ['module', 57],
  ['charge', 15],
  ['drone', 15],
  ['material', 5],
];
const WANTED_KINDS: readonly (readonly [Kind, number])[] = [
  ['ship', 40],
  ['module', 30],
  ['material', 15],
  ['accessory', 15],
];
// Researchers sell round run counts; the rest are leftovers.
const COMMON_RUNS = [1, 1, 1, 2, 5, 10, 10, 20, 50, 100, 300];
const REQUESTED_ROWS_SHARE = 0.06;
const MAX_WANTED_ROWS = 8;

/** Item rows of an ordinary contract; the p99 is 16 and 0.8 % reach the 17–200 tail. */
export function itemCount(random: Random): number {
  const u = random.next();
  if (u < 0.55) return 1;
  if (u < 0.86) return random.int(2, 8);
  if (u < 0.992) return random.int(9, 16);
  return Math.round(random.logUniform(17, 200));
}

/** The items of a contract with `count` rows of `theme`, offered rows first, in record order. */
export function draftItems(theme: Theme, count: number, universe: Universe, random: Random): ItemDraft[] {
  const drafts: ItemDraft[] = [];
  if (theme === 'want_to_buy') {
    for (let i = 0; i < Math.min(count, MAX_WANTED_ROWS); i++) drafts.push(draft(random.weighted(WANTED_KINDS), false, universe, random));
    return drafts;
  }
  for (let i = 0; i < count; i++) {
    let kind: Kind;
    if (theme === 'ship') kind = i === 0 ? 'ship' : random.weighted(FIT_KINDS);
    else if (theme === 'bpc') kind = i === 0 || random.chance(0.9) ? 'bpc' : random.weighted(GENERIC_KINDS);
    else if (theme === 'bpo') kind = i === 0 || random.chance(0.85) ? 'bpo' : 'bpc';
    else kind = random.weighted(GENERIC_KINDS);
    drafts.push(draft(kind, true, universe, random));
  }
  // "Swaps": a few exchanges also ask for something in return.
  if (random.chance(REQUESTED_ROWS_SHARE)) {
    const requested = random.int(1, 3);
    for (let i = 0; i < requested; i++) drafts.push(draft(random.weighted(WANTED_KINDS), false, universe, random));
  }
  return drafts;
}

function draft(kind: Kind, isIncluded: boolean, universe: Universe, random: Random): ItemDraft {
  const pools = universe.pools;
  const plain = (type: SeedType, quantity: number): ItemDraft => ({
    type,
    quantity,
    isIncluded,
    blueprint: null,
    runs: null,
    materialEfficiency: null,
    timeEfficiency: null,
  });
  switch (kind) {
    case 'ship': {
      const popular = pools.popularShips.length > 0 && random.chance(0.35);
      return plain(random.pick(popular ? pools.popularShips : pools.ships), 1);
    }
    case 'module':
      return plain(random.pick(pools.modules), random.chance(0.7) ? 1 : random.int(2, 20));
    case 'charge':
      return plain(random.pick(pools.charges), Math.round(random.logUniform(100, 50_000)));
    case 'drone':
      return plain(random.pick(pools.drones), random.int(1, 10));
    case 'material':
      return plain(random.pick(pools.materials), Math.round(random.logUniform(1_000, 50_000_000)));
    case 'accessory':
      return plain(random.pick(pools.accessories), random.chance(0.9) ? random.int(1, 20) : Math.round(random.logUniform(20, 500)));
    case 'bpc':
      return {
        type: blueprintType(universe, random),
        quantity: 1,
        isIncluded,
        blueprint: 'copy',
        runs: random.chance(0.5) ? random.pick(COMMON_RUNS) : random.int(1, 300),
        materialEfficiency: materialEfficiency(random),
        timeEfficiency: timeEfficiency(random),
      };
    case 'bpo':
      // Originals: ME/TE present, no runs and no is_blueprint_copy (ESI omits both).
      return {
        type: blueprintType(universe, random),
        quantity: 1,
        isIncluded,
        blueprint: 'original',
        runs: null,
        materialEfficiency: materialEfficiency(random),
        timeEfficiency: timeEfficiency(random),
      };
  }
}

function blueprintType(universe: Universe, random: Random): SeedType {
  const pools = universe.pools;
  const pool = random.weighted([
    [pools.shipBlueprints, 40],
    [pools.moduleBlueprints, 40],
    [pools.otherBlueprints, 20],
  ] as const);
  return random.pick(pool.length > 0 ? pool : pools.allBlueprints);
}

function materialEfficiency(random: Random): number {
  return random.chance(0.45) ? 10 : random.int(0, 9);
}

function timeEfficiency(random: Random): number {
  return random.chance(0.45) ? 20 : 2 * random.int(0, 9);
}

/** The contract's volume as ESI reports it: offered items' unit volume × quantity, summed in record order. */
export function offeredVolume(drafts: readonly ItemDraft[]): number {
  let volume = 0;
  for (const item of drafts) if (item.isIncluded) volume += item.type.volume * item.quantity;
  return volume;
}
