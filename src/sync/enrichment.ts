import type { Logger } from 'pino';
import type { Database, Executor } from '../db/client.js';
import { ROUTE_VERSION, routeFigures } from '../domain/courier-routes.js';
import { ENRICHMENT_VERSION } from '../domain/enrichment.js';
import type { ItemsRepository } from '../repositories/items.repository.js';
import type { ResolutionRepository } from '../repositories/resolution.repository.js';
import type { SyncWriteRepository } from '../repositories/sync-write.repository.js';
import type { UniverseRepository } from '../repositories/universe.repository.js';
import { withDbRetry } from './db-retry.js';
import { deriveUpdate, enrichmentColumns } from './derivation.js';
import type { UniverseResolver } from './universe.js';

export interface EnrichmentDeps {
  readonly db: Database;
  readonly items: ItemsRepository;
  readonly resolution: ResolutionRepository;
  readonly universe: Pick<UniverseRepository, 'categoryNames' | 'unresolvedGroupCategories'>;
  readonly syncWrites: Pick<SyncWriteRepository, 'bumpGeneration'>;
  readonly resolver: UniverseResolver;
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  readonly checkpoint: () => void;
}

const REDERIVE_CHUNK = 500;
/** Contracts per route transaction: a cold sync's first pass computes every open contract's route. */
const ROUTE_CHUNK = 5000;

/** Recomputes stored derived fields of `contractIds` in chunks; bumps the generation when any changed. */
export async function rederive(deps: EnrichmentDeps, contractIds: readonly number[]): Promise<number> {
  let changed = 0;
  const categoryNames = await deps.universe.categoryNames(deps.db);
  for (let start = 0; start < contractIds.length; start += REDERIVE_CHUNK) {
    const chunk = contractIds.slice(start, start + REDERIVE_CHUNK);
    changed += await withDbRetry(
      () =>
        deps.db.transaction(async (tx) => {
          const sources = await deps.items.derivationSources(tx, chunk);
          const count = await deps.items.updateDerived(tx, sources.map((s) => deriveUpdate(s, categoryNames, deps.now(), deps.random)));
          if (count > 0) await deps.syncWrites.bumpGeneration(tx);
          return count;
        }),
      deps.sleep,
    );
  }
  return changed;
}

/**
 * Route figures of open contracts whose systems changed since they were computed (or that were
 * computed by an older map), in the caller's transaction: jumps are a function of the two systems,
 * computed here from the shipped map and stored so that both read paths filter and sort on them.
 * Returns how many contracts' figures changed.
 */
async function applyDueRoutes(deps: EnrichmentDeps, tx: Executor): Promise<number> {
  let changed = 0;
  for (;;) {
    const due = await deps.resolution.routesDue(tx, ROUTE_VERSION, ROUTE_CHUNK);
    const routes = due.map((ends) => ({ contractId: ends.contractId, ...routeFigures(ends.startSystemId, ends.endSystemId) }));
    changed += await deps.resolution.applyRoutes(tx, routes, ROUTE_VERSION);
    if (due.length < ROUTE_CHUNK) return changed;
  }
}

/** Phase (b): station systems and the routes between them, then names, for open contracts lacking them (docs/sync.md §5.5). */
export async function runResolutionPhase(deps: EnrichmentDeps): Promise<void> {
  const retry = <T>(step: () => Promise<T>) => withDbRetry(step, deps.sleep);
  const categoryNames = await retry(() => deps.universe.categoryNames(deps.db));
  // A courier's label names its destination, so a new end location name changes it. It is
  // re-derived in the commit that sets the name: a crash in between would leave the old label
  // behind for good, as no later run sees the name change again (docs/sync.md §1 I3).
  const relabel = async (tx: Executor, contractIds: readonly number[]) => {
    if (contractIds.length === 0) return;
    const sources = await deps.items.derivationSources(tx, contractIds);
    await deps.items.updateDerived(tx, sources.map((s) => deriveUpdate(s, categoryNames, deps.now(), deps.random)));
  };
  const stationIds = await retry(() => deps.resolution.stationsMissingSystem(deps.db));
  if (stationIds.length > 0) {
    const stations = await deps.resolver.resolveStations(stationIds);
    await retry(() =>
      deps.db.transaction(async (tx) => {
        const result = await deps.resolution.applyStations(tx, [...stations.values()]);
        await relabel(tx, result.endNameChanged);
        // Systems and the routes between them commit together: no generation shows one without the other.
        const routed = await applyDueRoutes(deps, tx);
        if (result.changed > 0 || routed > 0) await deps.syncWrites.bumpGeneration(tx);
      }),
    );
  }
  deps.checkpoint();
  // Routes still due without a station change: new contracts at structures, or a newer map.
  await retry(() =>
    deps.db.transaction(async (tx) => {
      if ((await applyDueRoutes(deps, tx)) > 0) await deps.syncWrites.bumpGeneration(tx);
    }),
  );
  deps.checkpoint();

  const nameIds = await retry(() => deps.resolution.nameIds(deps.db));
  const names = await deps.resolver.resolveNames(nameIds);
  const assignments = [...names.entries()].map(([id, name]) => ({ id, name }));
  await retry(() =>
    deps.db.transaction(async (tx) => {
      const result = await deps.resolution.applyNames(tx, assignments);
      await relabel(tx, result.endNameChanged);
      if (result.changed > 0) await deps.syncWrites.bumpGeneration(tx);
    }),
  );
}

/**
 * Phase (d): contracts whose enrichment is incomplete (and due) or of an older version get their
 * item columns re-resolved from the stored items (no item refetch) and their fields re-derived.
 */
export async function runEnrichmentCatchUp(deps: EnrichmentDeps, deadline: number | null): Promise<void> {
  const retry = <T>(step: () => Promise<T>) => withDbRetry(step, deps.sleep);
  const seen = new Set<number>();
  for (;;) {
    deps.checkpoint();
    if (deadline !== null && deps.now().getTime() >= deadline) return;
    const due = (await retry(() => deps.items.enrichmentDue(deps.db, deps.now(), ENRICHMENT_VERSION, REDERIVE_CHUNK))).filter((id) => !seen.has(id));
    if (due.length === 0) return;
    for (const id of due) seen.add(id);
    const sources = await retry(() => deps.items.derivationSources(deps.db, due));
    const typeIds = [...new Set(sources.flatMap((s) => (s.items ?? []).map((item) => item.typeId)))];
    const resolved = await deps.resolver.resolveTypes(typeIds);
    const itemUpdates = sources.flatMap((s) =>
      (s.items ?? []).map((item) => ({ contract_id: s.contractId, record_id: item.recordId, ...enrichmentColumns(resolved.get(item.typeId)) })),
    );
    await retry(() =>
      deps.db.transaction(async (tx) => {
        const changed = await deps.items.updateItemEnrichment(tx, itemUpdates);
        if (changed > 0) await deps.syncWrites.bumpGeneration(tx);
      }),
    );
    await rederive(deps, due);
  }
}

/**
 * Self-healing of the taxonomy (docs/sync.md §5.5): every category of a cached group gets resolved,
 * and compositions still showing an unnamed category whose name is now known are re-derived.
 */
export async function healTaxonomy(deps: EnrichmentDeps): Promise<void> {
  const unresolved = await withDbRetry(() => deps.universe.unresolvedGroupCategories(deps.db, deps.now()), deps.sleep);
  if (unresolved.length > 0) await deps.resolver.resolveCategories(unresolved);
  const stale = await withDbRetry(() => deps.items.contractsWithStaleCompositionNames(deps.db), deps.sleep);
  if (stale.length > 0) await rederive(deps, stale);
}
