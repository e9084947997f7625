/**
 * E2 item lists, generated per contract from (seed, contract id) when asked for. Row shapes follow
 * the real samples: plain offered rows; requested rows without item_id; blueprint originals with
 * ME/TE but no runs and no is_blueprint_copy; copies with is_blueprint_copy true plus runs/ME/TE.
 * record_id values are consecutive and ascending within a contract and exceed 2^31.
 */
import type { SdeType } from '../fixtures/sde/index.js';
import type { ContractRecord } from './contracts.js';
import type { Population } from './population.js';
import { Rng, rngFor, unitHash } from './random.js';

/** Fields of docs/sync.md §2.2 that ESI may omit. */
export const OPTIONAL_ITEM_FIELDS: readonly string[] = [
  'is_blueprint_copy', 'item_id', 'runs', 'material_efficiency', 'time_efficiency',
];

/**
 * Rows in a contract: median 1, mean ≈ 4.5, p99 ≈ 16 (docs/sync.md §9), capped at `max`; a rare bulk lot
 * goes up to `max` (the largest real list seen had 422 rows).
 */
export function seededItemCount(seed: number, id: number, max: number): number {
  const r = rngFor(seed, id, 'item-count');
  if (r.chance(0.55)) return 1;
  if (r.chance(0.002)) return Math.min(max, r.int(17, Math.max(17, max)));
  return Math.max(1, Math.min(max, 2 + Math.floor(6.3 * Math.exp(0.42 * r.normal()))));
}

type Slot = 'ship' | 'bpc' | 'bpo' | 'module' | 'charge' | 'drone' | 'material' | 'accessory';

const MIX: readonly (readonly [Slot, number])[] = [
  ['module', 0.35],
  ['charge', 0.15],
  ['drone', 0.12],
  ['material', 0.15],
  ['accessory', 0.05],
  ['bpo', 0.18],
];

function typeFor(pop: Population, slot: Slot, r: Rng): SdeType {
  const p = pop.pools;
  switch (slot) {
    case 'ship':
      return r.pick(p.ships);
    case 'bpc':
    case 'bpo':
      return r.chance(0.4) ? r.pick(p.shipBlueprints) : r.pick(p.otherBlueprints);
    case 'module':
      return p.modules[r.skewedIndex(p.modules.length, 1.4)]!;
    case 'charge':
      return r.pick(p.charges);
    case 'drone':
      return r.pick(p.drones);
    case 'material':
      return r.pick(p.materials);
    case 'accessory':
      return r.pick(p.accessories);
  }
}

function quantityFor(slot: Slot, r: Rng): number {
  switch (slot) {
    case 'ship':
    case 'bpc':
    case 'bpo':
      return 1;
    case 'module':
      return r.chance(0.7) ? 1 : r.int(2, 20);
    case 'charge':
      return r.int(1, 200) * 100;
    case 'drone':
      return r.int(1, 10);
    case 'material':
      // Rare stacks beyond 2^31 are why quantity is a bigint.
      return r.chance(0.005) ? r.int(2_200_000_000, 4_000_000_000) : Math.round(r.logUniform(100, 5_000_000));
    case 'accessory':
      return r.int(1, 20);
  }
}

/** First record id of a contract's list: ids grow with contract ids, as ESI's do. */
function recordBase(contractId: number): number {
  return 4_000_000_000 + Math.max(0, contractId - 200_000_000) * 4;
}

/** A contract's complete item list; `count` overrides the seeded size (large lists, faults). */
export function buildItems(pop: Population, c: ContractRecord, count: number): Record<string, unknown>[] {
  const r = rngFor(pop.seed, c.id, 'items');
  const composition = unitHash(pop.seed, c.id, 'composition');
  const shipContract = !c.wtb && composition < 0.012;
  const bpcContract = !shipContract && composition < 0.502;
  const base = recordBase(c.id);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    let slot: Slot;
    if (i === 0 && shipContract) slot = 'ship';
    else if (bpcContract && (i === 0 || r.chance(0.6))) slot = 'bpc';
    else slot = r.weighted(MIX);
    const type = typeFor(pop, slot, r);
    const requested = c.wtb || (i > 0 && c.type === 'item_exchange' && r.chance(0.015));
    const row: Record<string, unknown> = {};
    if (slot === 'bpc') row.is_blueprint_copy = true;
    row.is_included = !requested;
    if (!requested) row.item_id = 1_030_000_000_000 + r.int(0, 20_000_000_000);
    if (!requested && (slot === 'bpc' || slot === 'bpo')) row.material_efficiency = r.int(0, 10);
    row.quantity = quantityFor(slot, r);
    row.record_id = base + i;
    if (!requested && slot === 'bpc') row.runs = r.chance(0.5) ? r.int(1, 10) : r.int(11, 300);
    if (!requested && (slot === 'bpc' || slot === 'bpo')) row.time_efficiency = r.int(0, 10) * 2;
    row.type_id = type.type_id;
    rows.push(row);
  }
  return rows;
}
