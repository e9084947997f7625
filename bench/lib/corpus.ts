/**
 * The read-path corpus: the project's own seed generator (src/seed) at N live contracts plus N/2
 * closed or expired ones, and the facts about it that the scenarios need (regions, a common ship
 * name, taxonomy ids, price quantiles, every stored id).
 */
import { sql } from 'drizzle-orm';
import { loadSde } from '../../test/fixtures/sde/index.js';
import { connectDatabase } from '../../src/db/client.js';
import { seedDatabase } from '../../src/seed/seed.service.js';

export interface CorpusFacts {
  readonly live: number;
  readonly closedOrExpired: number;
  readonly items: number;
  readonly generated: number;
  /** Live contracts the harness closed by SQL to reach the 2:1 live:closed mix. */
  readonly closedBySql: number;
  readonly seedSeconds: number;
  readonly seedRate: number;
  /** Every stored contract id (live, closed and expired), for the detail scenario. */
  readonly contractIds: number[];
  /** Live contracts per listing region, largest first. */
  readonly regions: { regionId: number; live: number }[];
  /** Start systems and stations with the most live contracts. */
  readonly systems: number[];
  readonly stations: number[];
  /** The 5-letter prefix of the most common offered ship name, and how many live contracts it matches. */
  readonly shipPrefix: string;
  /** (category, group) pairs of offered items, most common first. */
  readonly taxonomy: { categoryId: number; groupId: number; rows: number }[];
  /** The most common group of offered ships (category 6). */
  readonly shipGroupId: number;
  /** Type ids most often offered. */
  readonly typeIds: number[];
  /** Words (≥ 3 letters) from the most common offered item names, for the mixed scenario. */
  readonly searchWords: string[];
  /** Price deciles (p10 … p90) of live contracts with a price. */
  readonly priceDeciles: number[];
  /** Live contracts matching each read scenario's filter, for reading the ratios. */
  readonly matches: Record<string, number>;
}

const SEED = 1;
const LIVE = sql`c.closed_at IS NULL AND c.date_expired > now()`;

/**
 * Seeds `live × 1.5` generated contracts (the generator closes ~5 % and expires ~1 % itself), then
 * closes random live ones by SQL (closed_at = their last sighting, reason `gone`, one generation
 * bump) until exactly `live` remain live, and VACUUM ANALYZEs as autovacuum eventually would.
 */
export async function buildCorpus(url: string, live: number, log: (line: string) => void): Promise<CorpusFacts> {
  const handle = connectDatabase(url, { max: 3, applicationName: 'hangar-bay-bench-seed' });
  try {
    const generated = Math.ceil(live * 1.5);
    let lastLog = 0;
    const seeded = await seedDatabase(handle.db, {
      contracts: generated,
      seed: SEED,
      sde: loadSde(),
      concurrency: 2,
      onProgress: (done, total) => {
        if (performance.now() - lastLog > 10_000 || done === total) {
          lastLog = performance.now();
          log(`  seeding ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
        }
      },
    });
    const [counted] = await handle.sql<{ live: string }[]>`
      SELECT count(*) AS live FROM contracts c WHERE c.closed_at IS NULL AND c.date_expired > now()`;
    const excess = Number(counted!.live) - live;
    let closedBySql = 0;
    if (excess > 0) {
      closedBySql = await handle.sql.begin(async (tx) => {
        const rows = await tx`
          UPDATE contracts SET closed_at = last_seen_at, close_reason = 'gone_early',
                 last_seen_at = last_seen_at - interval '30 minutes'
          WHERE contract_id IN (
            SELECT contract_id FROM contracts
            WHERE closed_at IS NULL AND date_expired > now()
            ORDER BY md5(contract_id::text) LIMIT ${excess})`;
        await tx`UPDATE sync_state SET generation = generation + 1, generation_changed_at = now() WHERE id = 1`;
        return rows.count;
      });
    } else if (excess < 0) {
      log(`  note: the generator left ${-excess} fewer live contracts than asked`);
    }
    await handle.sql.unsafe('VACUUM (ANALYZE) contracts');
    await handle.sql.unsafe('VACUUM (ANALYZE) contract_items');
    const facts = await readFacts(handle.db);
    return {
      ...facts,
      generated,
      closedBySql,
      seedSeconds: seeded.seconds,
      seedRate: seeded.seconds > 0 ? Math.round(generated / seeded.seconds) : 0,
    };
  } finally {
    await handle.close();
  }
}

type Db = ReturnType<typeof connectDatabase>['db'];

async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)) as unknown as T[];
}

export async function readFacts(db: Db): Promise<Omit<CorpusFacts, 'generated' | 'closedBySql' | 'seedSeconds' | 'seedRate'>> {
  const [counts] = await rows<{ live: string; other: string; items: string }>(db, sql`
    SELECT count(*) FILTER (WHERE c.closed_at IS NULL AND c.date_expired > now()) AS live,
           count(*) FILTER (WHERE NOT (c.closed_at IS NULL AND c.date_expired > now())) AS other,
           (SELECT count(*) FROM contract_items) AS items
    FROM contracts c`);
  const ids = await rows<{ contract_id: string }>(db, sql`SELECT contract_id FROM contracts ORDER BY contract_id`);
  const regions = await rows<{ region_id: string; n: string }>(db, sql`
    SELECT c.region_id, count(*) AS n FROM contracts c WHERE ${LIVE} GROUP BY 1 ORDER BY 2 DESC, 1`);
  const systems = await rows<{ id: string }>(db, sql`
    SELECT c.start_location_system_id AS id FROM contracts c WHERE ${LIVE} AND c.start_location_system_id IS NOT NULL
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 20`);
  const stations = await rows<{ id: string }>(db, sql`
    SELECT c.start_location_id AS id FROM contracts c WHERE ${LIVE} AND c.start_location_id < 100000000
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 20`);
  const ships = await rows<{ type_name: string; group_id: string; n: string }>(db, sql`
    SELECT i.type_name, i.group_id, count(DISTINCT i.contract_id) AS n
    FROM contract_items i JOIN contracts c ON c.contract_id = i.contract_id
    WHERE ${LIVE} AND i.is_included AND i.category_id = 6 AND i.type_name IS NOT NULL
    GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 50`);
  const shipName = ships.find((ship) => /^[A-Za-z]{5}/.test(ship.type_name));
  const shipPrefix = shipName ? shipName.type_name.slice(0, 5) : 'Drake';
  const shipGroups = await rows<{ group_id: string }>(db, sql`
    SELECT i.group_id FROM contract_items i JOIN contracts c ON c.contract_id = i.contract_id
    WHERE ${LIVE} AND i.is_included AND i.category_id = 6 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`);
  const taxonomy = await rows<{ category_id: string; group_id: string; n: string }>(db, sql`
    SELECT category_id, group_id, count(*) AS n FROM contract_items
    WHERE is_included AND category_id IS NOT NULL AND group_id IS NOT NULL
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 80`);
  const types = await rows<{ type_id: string }>(db, sql`
    SELECT type_id FROM contract_items WHERE is_included GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 60`);
  const names = await rows<{ type_name: string }>(db, sql`
    SELECT type_name FROM contract_items WHERE is_included AND type_name IS NOT NULL
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 150`);
  const words = new Set<string>();
  for (const { type_name: name } of names) {
    for (const word of name.split(/[^A-Za-z]+/)) {
      if (word.length >= 3) words.add(word.slice(0, 3 + (word.length % 4)).toLowerCase());
    }
  }
  const [deciles] = await rows<{ d: number[] }>(db, sql`
    SELECT to_json(percentile_cont(ARRAY[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9]) WITHIN GROUP (ORDER BY c.price)) AS d
    FROM contracts c WHERE ${LIVE} AND c.price > 0`);
  return {
    live: Number(counts!.live),
    closedOrExpired: Number(counts!.other),
    items: Number(counts!.items),
    contractIds: ids.map((row) => Number(row.contract_id)),
    regions: regions.map((row) => ({ regionId: Number(row.region_id), live: Number(row.n) })),
    systems: systems.map((row) => Number(row.id)),
    stations: stations.map((row) => Number(row.id)),
    shipPrefix,
    taxonomy: taxonomy.map((row) => ({ categoryId: Number(row.category_id), groupId: Number(row.group_id), rows: Number(row.n) })),
    shipGroupId: Number(shipGroups[0]?.group_id ?? 25),
    typeIds: types.map((row) => Number(row.type_id)),
    searchWords: [...words].slice(0, 80),
    priceDeciles: (deciles?.d ?? []).map(Number),
    matches: {},
  };
}
