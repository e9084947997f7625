import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

// NPC stations are 60,000,000 ≤ id < 64,000,000; names are looked up for 0 < id < 10^11 only
// (structure and item ids, ≥ 10^12, must never reach E3) (docs/sync.md §2.4).
const NPC_STATION = (column: string) => sql.raw(`(${column} >= 60000000 AND ${column} < 64000000)`);
const NAME_ELIGIBLE = (column: string) => sql.raw(`(${column} > 0 AND ${column} < 100000000000)`);

export interface RouteEnds {
  contractId: number;
  startSystemId: number | null;
  endSystemId: number | null;
}

export interface RouteAssignment {
  contractId: number;
  routeJumps: number | null;
  routeJumpsHighsec: number | null;
}

export interface NameAssignment {
  id: number;
  name: string;
}

/** Station systems, courier routes and entity names on open contracts (docs/sync.md §5.5 "Station systems", "Names"). */
export function createResolutionRepository() {
  return {
    async stationsMissingSystem(executor: Executor): Promise<number[]> {
      const rows = await executor.execute<{ id: string }>(sql`
        SELECT start_location_id AS id FROM contracts
        WHERE closed_at IS NULL AND start_location_system_id IS NULL AND ${NPC_STATION('start_location_id')}
        UNION
        SELECT end_location_id FROM contracts
        WHERE closed_at IS NULL AND end_location_system_id IS NULL AND ${NPC_STATION('end_location_id')}`);
      return rows.map((row) => Number(row.id));
    },

    /**
     * Sets systems (and station names where still unknown) from resolved stations; returns the
     * number of rows changed and the couriers whose end location name was set (their label names it).
     */
    async applyStations(
      tx: Executor,
      stations: readonly { stationId: number; systemId: number | null; name: string | null }[],
    ): Promise<{ changed: number; endNameChanged: number[] }> {
      if (stations.length === 0) return { changed: 0, endNameChanged: [] };
      const payload = JSON.stringify(stations.map((s) => ({ station_id: s.stationId, system_id: s.systemId, name: s.name })));
      const start = await tx.execute(sql`
        UPDATE contracts c SET start_location_system_id = s.system_id, start_location_name = COALESCE(c.start_location_name, s.name),
          route_version = 0
        FROM json_to_recordset(${payload}::json) AS s(station_id bigint, system_id bigint, name text)
        WHERE c.start_location_id = s.station_id AND c.closed_at IS NULL AND c.start_location_system_id IS NULL AND s.system_id IS NOT NULL`);
      const end = await tx.execute<{ contract_id: string; named: boolean }>(sql`
        WITH s AS (SELECT * FROM json_to_recordset(${payload}::json) AS s(station_id bigint, system_id bigint, name text)),
        old AS (
          SELECT c.contract_id, c.end_location_name IS NULL AS unnamed FROM contracts c JOIN s ON c.end_location_id = s.station_id
          WHERE c.closed_at IS NULL AND c.end_location_system_id IS NULL AND s.system_id IS NOT NULL FOR UPDATE OF c
        )
        UPDATE contracts c SET end_location_system_id = s.system_id, end_location_name = COALESCE(c.end_location_name, s.name),
          route_version = 0
        FROM s, old WHERE c.contract_id = old.contract_id AND c.end_location_id = s.station_id
        RETURNING c.contract_id, old.unnamed AND s.name IS NOT NULL AND c.type = 'courier' AS named`);
      return {
        changed: (start as unknown as { count: number }).count + end.length,
        endNameChanged: end.filter((row) => row.named).map((row) => Number(row.contract_id)),
      };
    },

    /** Open contracts whose route figures were not computed by the map of `version` (a system changed, or the map did). */
    async routesDue(executor: Executor, version: number, limit: number): Promise<RouteEnds[]> {
      const rows = await executor.execute<{ contract_id: string; start_system: string | null; end_system: string | null }>(sql`
        SELECT contract_id, start_location_system_id AS start_system, end_location_system_id AS end_system FROM contracts
        WHERE closed_at IS NULL AND route_version <> ${version} ORDER BY contract_id LIMIT ${limit}`);
      return rows.map((row) => ({
        contractId: Number(row.contract_id),
        startSystemId: row.start_system === null ? null : Number(row.start_system),
        endSystemId: row.end_system === null ? null : Number(row.end_system),
      }));
    },

    /**
     * Stores route figures computed by the map of `version`; returns how many contracts' figures
     * changed (a contract whose figures stay as they were only has its version stamped).
     */
    async applyRoutes(tx: Executor, routes: readonly RouteAssignment[], version: number): Promise<number> {
      if (routes.length === 0) return 0;
      const payload = JSON.stringify(routes.map((r) => ({ contract_id: r.contractId, jumps: r.routeJumps, highsec: r.routeJumpsHighsec })));
      const assigned = sql`json_to_recordset(${payload}::json) AS r(contract_id bigint, jumps integer, highsec integer)`;
      const changed = await tx.execute(sql`
        UPDATE contracts c SET route_jumps = r.jumps, route_jumps_highsec = r.highsec, route_version = ${version}
        FROM ${assigned}
        WHERE c.contract_id = r.contract_id AND c.closed_at IS NULL
          AND (c.route_jumps IS DISTINCT FROM r.jumps OR c.route_jumps_highsec IS DISTINCT FROM r.highsec)`);
      await tx.execute(sql`
        UPDATE contracts c SET route_version = ${version} FROM ${assigned}
        WHERE c.contract_id = r.contract_id AND c.closed_at IS NULL AND c.route_version <> ${version}`);
      return (changed as unknown as { count: number }).count;
    },

    /** Every name-eligible id referenced by open contracts; the resolver's cache decides what to ask. */
    async nameIds(executor: Executor): Promise<number[]> {
      const rows = await executor.execute<{ id: string }>(sql`
        SELECT issuer_id AS id FROM contracts WHERE closed_at IS NULL AND ${NAME_ELIGIBLE('issuer_id')}
        UNION SELECT issuer_corporation_id FROM contracts WHERE closed_at IS NULL AND ${NAME_ELIGIBLE('issuer_corporation_id')}
        UNION SELECT start_location_id FROM contracts WHERE closed_at IS NULL AND ${NAME_ELIGIBLE('start_location_id')}
        UNION SELECT end_location_id FROM contracts WHERE closed_at IS NULL AND ${NAME_ELIGIBLE('end_location_id')}`);
      return rows.map((row) => Number(row.id));
    },

    /**
     * Applies resolved names to open contracts: a name is written when it differs from the stored
     * one (a rename updates; a missing answer never clears). Returns the number of rows changed and
     * the couriers whose end location name changed: only a courier's label names its destination.
     */
    async applyNames(tx: Executor, names: readonly NameAssignment[]): Promise<{ changed: number; endNameChanged: number[] }> {
      if (names.length === 0) return { changed: 0, endNameChanged: [] };
      const payload = JSON.stringify(names);
      let changed = 0;
      for (const [idColumn, nameColumn] of [
        ['issuer_id', 'issuer_name'],
        ['issuer_corporation_id', 'issuer_corporation_name'],
        ['start_location_id', 'start_location_name'],
      ] as const) {
        const result = await tx.execute(sql`
          UPDATE contracts c SET ${sql.raw(nameColumn)} = n.name
          FROM json_to_recordset(${payload}::json) AS n(id bigint, name text)
          WHERE c.${sql.raw(idColumn)} = n.id AND c.closed_at IS NULL AND c.${sql.raw(nameColumn)} IS DISTINCT FROM n.name`);
        changed += (result as unknown as { count: number }).count;
      }
      const end = await tx.execute<{ contract_id: string; courier: boolean }>(sql`
        UPDATE contracts c SET end_location_name = n.name
        FROM json_to_recordset(${payload}::json) AS n(id bigint, name text)
        WHERE c.end_location_id = n.id AND c.closed_at IS NULL AND c.end_location_name IS DISTINCT FROM n.name
        RETURNING c.contract_id, c.type = 'courier' AS courier`);
      return { changed: changed + end.length, endNameChanged: end.filter((row) => row.courier).map((row) => Number(row.contract_id)) };
    },
  };
}

export type ResolutionRepository = ReturnType<typeof createResolutionRepository>;
