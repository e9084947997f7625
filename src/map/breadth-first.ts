import type { MapGraph } from './map-graph.js';

/** The distance of a system that no route reaches. */
export const UNREACHABLE = -1;

/**
 * Fewest jumps from `origin` to every system by dense index (UNREACHABLE where there is no route).
 * With `passable`, the route may only enter systems marked 1; the origin itself is not checked.
 */
export function jumpDistances(graph: Pick<MapGraph, 'size' | 'offsets' | 'neighbours'>, origin: number, passable?: Uint8Array): Int16Array {
  const { size, offsets, neighbours } = graph;
  // Int16 halves the memoised arrays; known space is a few dozen jumps across, far below 32,767.
  const distances = new Int16Array(size).fill(UNREACHABLE);
  const queue = new Int32Array(size);
  distances[origin] = 0;
  queue[0] = origin;
  let head = 0;
  let tail = 1;
  while (head < tail) {
    const system = queue[head++]!;
    const next = distances[system]! + 1;
    for (let edge = offsets[system]!, end = offsets[system + 1]!; edge < end; edge += 1) {
      const neighbour = neighbours[edge]!;
      if (distances[neighbour] !== UNREACHABLE || (passable !== undefined && passable[neighbour] === 0)) continue;
      distances[neighbour] = next;
      queue[tail++] = neighbour;
    }
  }
  return distances;
}
