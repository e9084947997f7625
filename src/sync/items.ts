import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import type { ParsedItemRow } from '../esi/payloads.js';
import type { EsiClient } from '../esi/types.js';
import type { EnrichedItemRow, ItemsRepository } from '../repositories/items.repository.js';
import type { SyncWriteRepository } from '../repositories/sync-write.repository.js';
import type { UniverseRepository } from '../repositories/universe.repository.js';
import { withDbRetry } from './db-retry.js';
import { runLanes } from './lanes.js';
import { UNGATED, type WriteGate } from './write-gate.js';
import { backoffDelayMs, deriveUpdate, enrichmentColumns } from './derivation.js';
import { StopRun, type EsiContractItem, type RunCounters } from './model.js';
import type { UniverseResolver } from './universe.js';

export type { ParsedItemRow };

export interface ItemsDeps {
  readonly db: Database;
  readonly esi: EsiClient;
  readonly items: ItemsRepository;
  readonly universe: Pick<UniverseRepository, 'categoryNames'>;
  readonly syncWrites: Pick<SyncWriteRepository, 'bumpGeneration'>;
  readonly resolver: Pick<UniverseResolver, 'resolveTypes'>;
  readonly parseItemRow: (raw: unknown) => ParsedItemRow;
  readonly concurrency: number;
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  readonly checkpoint: () => void;
  readonly onUnavailable?: (status: number) => void;
  readonly onProgress?: (done: number, total: number) => void;
  /** Serializes the write transactions with a phase running beside this one (bids). */
  readonly writeGate?: WriteGate;
}

type FetchOutcome =
  | { kind: 'items'; items: EsiContractItem[] }
  | { kind: 'unavailable'; status: number }
  | { kind: 'failure'; reason: string };

/** A transaction holds at most 50 contracts or 5,000 item rows (docs/sync.md §5.4). */
const MAX_CONTRACTS_PER_WRITE = 50;
const MAX_ROWS_PER_WRITE = 5000;
const QUEUE_BATCH = 500;

/** Every page of one contract's items, complete and valid, or no items at all (docs/sync.md §5.4). */
async function fetchContractItems(deps: ItemsDeps, contractId: number): Promise<FetchOutcome> {
  const items: EsiContractItem[] = [];
  const records = new Set<number>();
  let pageCount = 1;
  for (let page = 1; page <= pageCount; page += 1) {
    const result = await deps.esi.request({ route: 'contracts_items', path: `/contracts/public/items/${contractId}`, query: { page } });
    if (result.kind === 'transient') return { kind: 'failure', reason: result.reason };
    if (result.kind === 'definite') return { kind: 'unavailable', status: result.status };
    if (result.status === 204) return { kind: 'unavailable', status: 204 };
    const xPages = result.headers['x-pages'] === undefined ? 1 : Number(result.headers['x-pages']);
    if (!Number.isInteger(xPages) || xPages < 1) return { kind: 'failure', reason: 'invalid X-Pages' };
    if (page === 1) pageCount = xPages;
    else if (xPages !== pageCount) return { kind: 'failure', reason: 'X-Pages changed between pages' };
    const rows = result.json ?? [];
    if (!Array.isArray(rows)) return { kind: 'failure', reason: `page ${page} is not an array` };
    for (const raw of rows) {
      const parsed = deps.parseItemRow(raw);
      if (!parsed.ok) return { kind: 'failure', reason: `invalid item row (${parsed.field}): ${parsed.reason}` };
      if (records.has(parsed.row.recordId)) return { kind: 'failure', reason: `duplicate record_id ${parsed.row.recordId}` };
      records.add(parsed.row.recordId);
      items.push(parsed.row);
    }
  }
  if (items.length === 0) return { kind: 'failure', reason: 'no item rows' };
  return { kind: 'items', items };
}

/**
 * Phase (c): drains the durable items queue with up to ESI_MAX_CONCURRENCY lanes until it is
 * empty or `deadline` passes; fetched item sets are written with their enrichment in small
 * transactions, each contract's rows and marker together.
 */
export async function runItemsPhase(deps: ItemsDeps, counters: RunCounters, deadline: number | null): Promise<void> {
  const retry = <T>(step: () => Promise<T>) => withDbRetry(step, deps.sleep);
  const gate = deps.writeGate ?? UNGATED;
  const pending: { contractId: number; items: EsiContractItem[] }[] = [];
  let pendingRows = 0;
  let done = 0;
  const attempted = new Set<number>();

  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    pendingRows = 0;
    const resolved = await deps.resolver.resolveTypes([...new Set(batch.flatMap((entry) => entry.items.map((item) => item.typeId)))]);
    const categoryNames = await retry(() => deps.universe.categoryNames(deps.db));
    const rows: EnrichedItemRow[] = batch.flatMap(({ contractId, items }) =>
      items.map((item) => ({
        contract_id: contractId,
        record_id: item.recordId,
        type_id: item.typeId,
        quantity: item.quantity,
        is_included: item.isIncluded,
        is_blueprint_copy: item.isBlueprintCopy,
        item_id: item.itemId,
        runs: item.runs,
        material_efficiency: item.materialEfficiency,
        time_efficiency: item.timeEfficiency,
        ...enrichmentColumns(resolved.get(item.typeId)),
      })),
    );
    const incomplete = await retry(() =>
      gate(() => deps.db.transaction(async (tx) => {
        const marked = await deps.items.insertItems(tx, batch.map((entry) => entry.contractId), rows, deps.now());
        const sources = await deps.items.derivationSources(tx, marked);
        const updates = sources.map((source) => deriveUpdate(source, categoryNames, deps.now(), deps.random));
        await deps.items.updateDerived(tx, updates);
        await deps.syncWrites.bumpGeneration(tx);
        return updates.filter((update) => update.enrichment?.status === 'incomplete').length;
      })),
    );
    counters.itemsFetched += batch.length;
    counters.itemRows += rows.length;
    // An enrichment failure (a type left unresolved) is routine and retried: counted in errors only (docs/sync.md §5.6).
    counters.errors += incomplete;
  }

  async function handle(contractId: number): Promise<void> {
    const outcome = await fetchContractItems(deps, contractId);
    if (outcome.kind === 'items') {
      pending.push({ contractId, items: outcome.items });
      pendingRows += outcome.items.length;
      if (pending.length >= MAX_CONTRACTS_PER_WRITE || pendingRows >= MAX_ROWS_PER_WRITE) await flush();
    } else if (outcome.kind === 'unavailable') {
      // 204/403/404 are terminal; 400 or another definite status is unexpected for a public item-bearing contract.
      if (![204, 403, 404].includes(outcome.status)) {
        deps.logger.error({ contract_id: contractId, status: outcome.status }, 'items request rejected');
      }
      await retry(() =>
        gate(() => deps.db.transaction(async (tx) => {
          await deps.items.markUnavailable(tx, contractId, outcome.status);
          await deps.syncWrites.bumpGeneration(tx);
        })),
      );
      deps.onUnavailable?.(outcome.status);
    } else {
      counters.errors += 1;
      const attempts = (await retry(() => deps.items.attemptsOf(deps.db, contractId))) + 1;
      const nextAt = new Date(deps.now().getTime() + backoffDelayMs(attempts, deps.random));
      await retry(() => deps.items.markFailure(deps.db, contractId, nextAt));
      deps.logger.warn({ contract_id: contractId, reason: outcome.reason, attempts }, 'items fetch failed, backing off');
    }
  }

  for (;;) {
    deps.checkpoint();
    if (deadline !== null && deps.now().getTime() >= deadline) break;
    const due = (await retry(() => deps.items.dueContracts(deps.db, deps.now(), QUEUE_BATCH))).filter((id) => !attempted.has(id));
    if (due.length === 0) break;
    const total = done + due.length;
    let next = 0;
    const failure = await runLanes(Math.min(deps.concurrency, due.length), async (stopped) => {
      while (next < due.length && !stopped()) {
        deps.checkpoint();
        if (deadline !== null && deps.now().getTime() >= deadline) return;
        const contractId = due[next++]!;
        attempted.add(contractId);
        await handle(contractId);
        done += 1;
        deps.onProgress?.(done, total);
      }
    });
    // A shutdown or downtime stop still holds the lock, so what was fetched is kept; after a lost
    // lock or an error nothing more is written, and what was fetched stays due.
    if (failure === null || (failure.error instanceof StopRun && failure.error.detail !== 'lock_lost')) await flush();
    if (failure !== null) throw failure.error;
  }
}
