import type { MapSource } from './map-source.js';
import { isHighSecSecurity } from './security.js';

/**
 * The stargate graph with systems numbered densely (by ascending id) and adjacency in CSR form:
 * the neighbours of system `i` are `neighbours[offsets[i]]` up to `neighbours[offsets[i + 1]]`.
 */
export interface MapGraph {
  readonly size: number;
  /** Dense index → system id. */
  readonly systemIds: Int32Array;
  /** System id → dense index. */
  readonly indexOf: ReadonlyMap<number, number>;
  /** 1 where the system is high-sec. */
  readonly highSec: Uint8Array;
  readonly offsets: Int32Array;
  readonly neighbours: Int32Array;
  /** Every region with a system on the map, ascending. */
  readonly regionIds: readonly number[];
}

/** Builds the graph; throws on a repeated system or a jump that names an unknown or the same system. */
export function buildMapGraph(source: MapSource): MapGraph {
  const systems = [...source.systems].sort((a, b) => a.system_id - b.system_id);
  const size = systems.length;
  const systemIds = new Int32Array(size);
  const highSec = new Uint8Array(size);
  const indexOf = new Map<number, number>();
  systems.forEach((system, index) => {
    if (indexOf.has(system.system_id)) throw new Error(`star map: system ${system.system_id} is listed twice`);
    indexOf.set(system.system_id, index);
    systemIds[index] = system.system_id;
    highSec[index] = isHighSecSecurity(system.security) ? 1 : 0;
  });

  const ends = source.jumps.map(([a, b]) => {
    const from = indexOf.get(a);
    const to = indexOf.get(b);
    if (from === undefined || to === undefined || from === to) throw new Error(`star map: jump ${a}-${b} does not join two known systems`);
    return [from, to] as const;
  });
  const offsets = new Int32Array(size + 1);
  for (const [from, to] of ends) {
    offsets[from + 1]! += 1;
    offsets[to + 1]! += 1;
  }
  for (let index = 0; index < size; index += 1) offsets[index + 1]! += offsets[index]!;
  const neighbours = new Int32Array(offsets[size]!);
  const filled = offsets.slice(0, size);
  for (const [from, to] of ends) {
    neighbours[filled[from]!++] = to;
    neighbours[filled[to]!++] = from;
  }

  const regionIds = [...new Set(systems.map((system) => system.region_id))].sort((a, b) => a - b);
  return { size, systemIds, indexOf, highSec, offsets, neighbours, regionIds };
}
