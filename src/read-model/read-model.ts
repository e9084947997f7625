/**
 * The read model of one API process (docs/read-path.md §2): loaded in full at start, then moved from
 * generation to generation by reading only what changed, and swapped in synchronously so that an
 * answer never mixes two generations. It answers lists, counts, coverage, taxonomy and the details of
 * open contracts, and knows which contracts are stored (and when each last changed) for the others. Whenever it has not
 * loaded, or has fallen behind a reachable database for longer than `maxLagMs`, it steps aside and
 * the SQL path answers.
 */
import type { Logger } from 'pino';
import { ByteWriter } from '../domain/byte-writer.js';
import type { ContractListParams } from '../domain/contract-query.js';
import type { PageRows } from '../domain/list-body.js';
import type { ListCounts } from '../domain/segment-counts.js';
import type { TaxonomyFacts } from '../domain/taxonomy.js';
import { ContractStore } from './contract-store.js';
import { ListQueries } from './list-query.js';
import type { SnapshotLoader } from './snapshot-loader.js';
import { taxonomyFacts } from './taxonomy-summary.js';

export type ReadModelState = 'loading' | 'ready' | 'behind' | 'failed' | 'off';

export interface ReadModelStatus {
  readonly state: ReadModelState;
  /** The generation it answers at, null before the first load. */
  readonly generation: number | null;
  readonly open_contracts: number;
  readonly stored_contracts: number;
  /** Seconds the last full load took. */
  readonly load_seconds: number | null;
  /** Details held for the contracts it does not render (closed ones, auctions), and those still to be read. */
  readonly held_details: number;
  readonly details_to_read: number;
}

export interface ModelListAnswer {
  readonly generation: number;
  readonly counts: ListCounts;
  /** Written from the store: render before anything else runs on the event loop. */
  readonly rows: PageRows;
  readonly coverage: { ingestedRegionIds: number[]; asOf: string | null };
}

export interface ReadModel {
  /** The generation the model answers at right now, or null when the SQL path must answer. */
  servingGeneration(): number | null;
  /** The answer at the model's generation, or null when the SQL path must answer. */
  list(params: ContractListParams, liveAtMicros: number): ModelListAnswer | null;
  taxonomy(liveAtMicros: number): { generation: number; facts: TaxonomyFacts } | null;
  /**
   * The detail body of a contract at the model's generation, or null (not held here, or the SQL
   * path must answer): rendered for an open contract, the body read from the database for the others.
   */
  detail(contractId: number): { generation: number; body: Buffer } | null;
  /** Keeps a body the SQL path read, if `stamp` (from `lookup`) still names the contract's version. */
  hold(contractId: number, stamp: string, body: Buffer): void;
  /** Whether a contract is stored at the model's generation, and the version it last changed at. */
  lookup(contractId: number): { generation: number; stamp: string | undefined } | null;
  /** To be called with every newer generation the process learns of. */
  follow(generation: number): void;
  status(): ReadModelStatus;
  /** Resolves once the first full load has finished (or failed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface ReadModelDeps {
  readonly loader: SnapshotLoader;
  /** The newest generation the process knows of (the generation tracker). */
  readonly latestGeneration: () => number;
  /** Whether the last database contact succeeded: a model behind an unreachable database keeps answering. */
  readonly databaseReachable: () => boolean;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly nowMs?: () => number;
  readonly maxLagMs?: number;
  /** Budget of the details held for closed contracts and auctions (READ_MODEL_DETAILS_MB). */
  readonly heldDetailsBytes: number;
  readonly retryMs?: number;
}

/** A model behind a reachable database for longer than this steps aside (the SQL path is current). */
const DEFAULT_MAX_LAG_MS = 10_000;
const DEFAULT_RETRY_MS = 1000;
/** Room for a detail with a few items, so the writer rarely grows. */
const DETAIL_BYTES = 4096;
/** Bodies read per statement while filling: ~5 ms of rendering and deflating on the event loop. */
const FILL_BATCH = 200;

export function createReadModel(deps: ReadModelDeps): ReadModel {
  const nowMs = deps.nowMs ?? (() => performance.now());
  const maxLagMs = deps.maxLagMs ?? DEFAULT_MAX_LAG_MS;
  let store: ContractStore | null = null;
  let queries: ListQueries | null = null;
  let generation: number | null = null;
  let snapshot: string | null = null;
  let loadSeconds: number | null = null;
  let failed = false;
  let behindSince: number | null = null;
  let steppedAside = false;
  let advancing: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let resolveReady!: () => void;
  const firstLoad = new Promise<void>((resolve) => (resolveReady = resolve));

  async function loadFull(): Promise<void> {
    const started = nowMs();
    const next = new ContractStore({ heldDetailsBytes: deps.heldDetailsBytes });
    const mark = await deps.loader.full({
      reserve: (open) => next.reserve(open),
      apply: (changes) => next.apply(changes, { deferOrdering: true }),
    });
    next.flushOrdering();
    store = next;
    queries = new ListQueries(next);
    generation = mark.generation;
    snapshot = mark.snapshot;
    loadSeconds = (nowMs() - started) / 1000;
    deps.logger.info(
      { generation, open_contracts: next.openCount, stored_contracts: next.storedCount, load_seconds: Math.round(loadSeconds * 1000) / 1000 },
      'read model loaded',
    );
  }

  async function advanceOnce(): Promise<void> {
    if (store === null || snapshot === null) return loadFull();
    const delta = await deps.loader.delta(snapshot);
    if (delta === null) {
      deps.logger.info({ generation }, 'read model: the change log no longer reaches back to its snapshot, reloading in full');
      return loadFull();
    }
    store.apply(delta.changes);
    generation = delta.generation;
    snapshot = delta.snapshot;
  }

  function behind(): boolean {
    return generation === null || deps.latestGeneration() > generation;
  }

  /**
   * Reads the bodies the store does not render, in batches, between advances: a batch read at any
   * generation but the model's is dropped (the next advance comes first, then the fill resumes).
   */
  async function fillHeldDetails(): Promise<void> {
    while (!closed && !behind()) {
      const current = store!;
      const ids = current.held.nextPending(FILL_BATCH);
      if (ids.length === 0) return;
      const read = await deps.loader.details(ids);
      // Rendering the batch and packing it are two slices of event-loop time, not one.
      await new Promise((resolve) => setImmediate(resolve));
      if (store !== current || read.generation !== generation) return;
      for (const [contractId, body] of read.bodies) current.held.hold(contractId, body);
      // Not stored at the model's own generation cannot happen; never ask again if it did.
      for (const contractId of ids) if (current.held.isPending(contractId)) current.held.forget(contractId);
    }
  }

  async function catchUp(): Promise<void> {
    try {
      do {
        await advanceOnce();
      } while (!closed && behind());
      await fillHeldDetails();
      if (failed) deps.logger.info({ generation }, 'read model recovered');
      failed = false;
    } catch (error) {
      if (!failed) {
        deps.logger.warn({ err: { message: (error as Error).message }, generation }, 'read model could not advance; retrying');
      }
      failed = true;
      if (!closed) retryTimer = setTimeout(() => kick(), deps.retryMs ?? DEFAULT_RETRY_MS).unref();
    } finally {
      resolveReady();
    }
  }

  function kick(): void {
    if (closed || advancing) return;
    advancing = catchUp().finally(() => {
      advancing = null;
      // A notification that arrived during the advance may be newer than what it read.
      if (!failed && behind()) kick();
    });
  }

  /** Whether the model answers now; logs once whenever it steps aside or back. */
  function serving(): boolean {
    if (store === null || generation === null) return false;
    if (deps.latestGeneration() > generation) {
      behindSince ??= nowMs();
    } else {
      behindSince = null;
    }
    const aside = behindSince !== null && nowMs() - behindSince > maxLagMs && deps.databaseReachable();
    if (aside !== steppedAside) {
      steppedAside = aside;
      if (aside) deps.logger.warn({ generation, latest: deps.latestGeneration() }, 'read model is behind the database; the SQL path answers until it catches up');
      else deps.logger.info({ generation }, 'read model answers again');
    }
    return !aside;
  }

  kick();

  return {
    servingGeneration() {
      return serving() ? generation : null;
    },
    list(params, liveAtMicros) {
      if (!serving()) return null;
      const current = store!;
      const evaluation = queries!.evaluate(params, liveAtMicros);
      return {
        generation: generation!,
        counts: evaluation.counts,
        rows: { length: evaluation.slots.length, writeAll: (writer) => current.writeRows(evaluation.slots, writer) },
        coverage: store!.coverage(),
      };
    },
    taxonomy(liveAtMicros) {
      if (!serving()) return null;
      return { generation: generation!, facts: taxonomyFacts(store!, queries!.liveBits(liveAtMicros)) };
    },
    detail(contractId) {
      if (!serving()) return null;
      const writer = new ByteWriter(DETAIL_BYTES);
      if (store!.writeDetail(contractId, writer)) return { generation: generation!, body: writer.done() };
      const held = store!.held.body(contractId);
      return held === undefined ? null : { generation: generation!, body: held };
    },
    hold(contractId, stamp, body) {
      if (store !== null && store.stampOf(contractId) === stamp) store.held.hold(contractId, body);
    },
    lookup(contractId) {
      if (!serving()) return null;
      return { generation: generation!, stamp: store!.stampOf(contractId) };
    },
    follow(latest) {
      if (generation === null || latest > generation) kick();
    },
    status() {
      const state: ReadModelState =
        store === null ? (failed ? 'failed' : 'loading') : steppedAside ? 'behind' : 'ready';
      return {
        state,
        generation,
        open_contracts: store?.openCount ?? 0,
        stored_contracts: store?.storedCount ?? 0,
        load_seconds: loadSeconds,
        held_details: store?.held.size ?? 0,
        details_to_read: store?.held.pendingCount ?? 0,
      };
    },
    ready: () => firstLoad,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await advancing?.catch(() => {});
    },
  };
}
