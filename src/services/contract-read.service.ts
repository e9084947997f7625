import { createHash } from 'node:crypto';
import type { KeyValueCache } from '../cache/key-value-cache.js';
import type { Database, Executor } from '../db/client.js';
import { ITEM_BEARING_TYPES, type ContractReadRepository, type CountBucket } from '../repositories/contract-read.repository.js';
import { canonicalQueryKey, CONTRACT_TYPES, type ContractListParams, type ContractType } from './contract-query.params.js';
import { formatTimestamp, toContractDetail, toContractListRow, type RawContractRow } from './contract-serializer.js';
import type { GenerationTracker } from './generation-tracker.js';

export type CachedRoute = 'list' | 'detail' | 'taxonomy';
export type CacheResult = 'hit' | 'miss' | 'error';

/** A conditional GET's outcome: a body (already JSON) or "not modified", always with its ETag. */
export type ReadResult =
  | { readonly kind: 'ok'; readonly etag: string; readonly body: Buffer }
  | { readonly kind: 'not_modified'; readonly etag: string }
  | { readonly kind: 'not_found' };

export interface ContractReadServiceDeps {
  readonly db: Pick<Database, 'transaction'>;
  readonly repository: ContractReadRepository;
  readonly cache: KeyValueCache;
  readonly generation: GenerationTracker;
  readonly now: () => Date;
  readonly onCacheResult?: (route: CachedRoute, result: CacheResult) => void;
  readonly onCacheError?: (error: unknown) => void;
  /** Distinguishes databases sharing one Redis; replicas of one deployment share it. */
  readonly cacheNamespace?: string;
}

// api.md §5: cached results live at most 10 minutes and every key carries the generation, so an
// entry of an older generation is never looked up again.
const RESULT_TTL_SECONDS = 600;
const KEY_PREFIX = 'hangar-bay:api:v1';

/** The liveness instant L: the request's arrival truncated down to the whole UTC minute (api.md §4). */
export function livenessInstant(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000);
}

function sha256Hex16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Weak comparison of If-None-Match against our (weak) tag; `*` matches anything (RFC 9110 §13.1.2). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const candidate of trimmed.split(',')) {
    if (candidate.trim().replace(/^W\//, '') === opaque) return true;
  }
  return false;
}

interface SegmentFilter {
  types: readonly ContractType[] | null;
  isShip: boolean | null;
  systemsGiven: boolean;
}

/** total, segment_counts and unknown_system_excluded from the grouped count rows (api.md §6.5, §6.6). */
export function summarizeCounts(buckets: readonly CountBucket[], filter: SegmentFilter) {
  const segmentCounts = Object.fromEntries(CONTRACT_TYPES.map((type) => [type, 0])) as Record<ContractType, number>;
  let total = 0;
  let unknownSystemExcluded = 0;
  for (const bucket of buckets) {
    const segment = bucket.segment as ContractType;
    const typeMatches = filter.types === null || filter.types.includes(segment);
    const shipMatches = filter.isShip === null || bucket.isShipContract === filter.isShip;
    const systemMatches = !filter.systemsGiven || bucket.systemMatches;
    const itemBearing = (ITEM_BEARING_TYPES as readonly string[]).includes(segment);
    if (systemMatches && typeMatches && shipMatches) total += bucket.count;
    // Item-less segments can never be ship contracts, so the ship filter is lifted for them too.
    if (systemMatches && (!itemBearing || shipMatches)) segmentCounts[segment] += bucket.count;
    if (filter.systemsGiven && bucket.systemUnknown && typeMatches && shipMatches) unknownSystemExcluded += bucket.count;
  }
  return { total, segmentCounts, unknownSystemExcluded: filter.systemsGiven ? unknownSystemExcluded : null };
}

/** Code-point order, as api.md §10 asks (application-side, not the database collation). */
function byCodePoint(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** Offsets up to this are read in the same pipeline as the counts (page 200 of size 50). */
const EAGER_PAGE_OFFSET_LIMIT = 10_000n;

/**
 * The reads of one uncached request, each in one read-only REPEATABLE READ snapshot together with
 * the generation it shows. Statements that do not depend on each other are issued together, so
 * postgres.js pipelines them on the transaction's connection: an uncached list costs BEGIN, SET
 * TRANSACTION, one pipeline of generation + counts + page + coverage, and COMMIT; a detail BEGIN,
 * SET TRANSACTION, one pipeline, COMMIT. The benchmark's data floor replays exactly these.
 */
export function createSnapshotReads(db: Pick<Database, 'transaction'>, repository: ContractReadRepository) {
  function inSnapshot<T>(work: (tx: Executor) => Promise<T>): Promise<{ generation: number; value: T }> {
    return db.transaction(
      async (tx) => {
        const [generation, value] = await Promise.all([repository.readGeneration(tx), work(tx)]);
        return { generation, value };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }

  return {
    list(params: ContractListParams, liveAt: Date) {
      return inSnapshot(async (tx) => {
        const offset = (params.page - 1n) * BigInt(params.size);
        // A near page is read together with the counts (past the end it is merely empty); a far
        // one waits for them, since OFFSET into millions of rows would walk them all, and any
        // int64 page is valid input.
        const eager = offset <= EAGER_PAGE_OFFSET_LIMIT;
        const [buckets, eagerRows, coverage] = await Promise.all([
          repository.countBuckets(tx, params, liveAt),
          eager ? repository.page(tx, params, liveAt, Number(offset)) : null,
          repository.coverage(tx),
        ]);
        const counts = summarizeCounts(buckets, {
          types: params.contractTypes,
          isShip: params.isShipContract,
          systemsGiven: params.systemIds !== null,
        });
        let rows: RawContractRow[] = [];
        if (offset < BigInt(counts.total)) rows = eagerRows ?? (await repository.page(tx, params, liveAt, Number(offset)));
        return { counts, rows, coverage };
      });
    },

    detail(contractId: bigint) {
      return inSnapshot(async (tx) => {
        const [row, items] = await Promise.all([repository.contractById(tx, contractId), repository.itemsOf(tx, contractId)]);
        return row === null ? null : { row, items };
      });
    },

    taxonomy(liveAt: Date) {
      return inSnapshot((tx) => repository.taxonomy(tx, liveAt));
    },
  };
}

/** 99 % of the population must be complete (api.md §10). */
const TAXONOMY_COMPLETE_SHARE = 0.99;

export function createContractReadService(deps: ContractReadServiceDeps) {
  const { cache } = deps;
  const reads = createSnapshotReads(deps.db, deps.repository);
  const keyPrefix = `${KEY_PREFIX}:${deps.cacheNamespace ?? 'default'}`;

  async function cached(route: CachedRoute, key: string): Promise<Buffer | null> {
    try {
      const hit = await cache.get(key);
      deps.onCacheResult?.(route, hit ? 'hit' : 'miss');
      return hit;
    } catch (error) {
      deps.onCacheResult?.(route, 'error');
      deps.onCacheError?.(error);
      return null;
    }
  }

  function store(key: string, body: Buffer): void {
    cache.set(key, body, RESULT_TTL_SECONDS).catch((error: unknown) => deps.onCacheError?.(error));
  }

  /**
   * The shared conditional-GET flow: 304 from the (≤ 1 s old) generation, else a cached body of
   * that generation, else compute in a snapshot and cache under the generation actually read.
   */
  async function conditionalRead(
    route: CachedRoute,
    ifNoneMatch: string | undefined,
    tagFor: (generation: number) => string,
    compute: () => Promise<{ generation: number; value: string | null }>,
    mayBeMissing = false,
  ): Promise<ReadResult> {
    const knownGeneration = await deps.generation.current();
    const knownTag = tagFor(knownGeneration);
    // A resource that may not exist (a detail id) answers 304 only once it is known to exist (a
    // cached body, or the snapshot read), so neither `*` nor a forged tag turns a 404 into a 304
    // (api.md §5). `*` matches any current representation of the others.
    const matches = ifNoneMatchHits(ifNoneMatch, knownTag);
    if (matches && !mayBeMissing) return { kind: 'not_modified', etag: knownTag };
    const hit = await cached(route, `${keyPrefix}:${route}:${knownTag}`);
    if (hit) return matches ? { kind: 'not_modified', etag: knownTag } : { kind: 'ok', etag: knownTag, body: hit };

    const { generation, value } = await compute();
    deps.generation.observe(generation);
    if (value === null) return { kind: 'not_found' };
    const etag = tagFor(generation);
    const body = Buffer.from(value);
    store(`${keyPrefix}:${route}:${etag}`, body);
    if (ifNoneMatchHits(ifNoneMatch, etag)) return { kind: 'not_modified', etag };
    return { kind: 'ok', etag, body };
  }

  return {
    async list(params: ContractListParams, ifNoneMatch: string | undefined): Promise<ReadResult> {
      const liveAt = livenessInstant(deps.now());
      const queryHash = sha256Hex16(canonicalQueryKey(params));
      const minutes = Math.floor(liveAt.getTime() / 60_000);
      return conditionalRead('list', ifNoneMatch, (g) => `W/"${g}.${minutes}.${queryHash}"`, async () => {
        const { generation, value } = await reads.list(params, liveAt);
        const { counts, rows, coverage } = value;
        // Assembled by hand so `page` keeps every digit of an int64 (JSON.stringify has no bigint).
        const body =
          `{"total":${counts.total},"page":${params.page.toString()},"size":${params.size}` +
          `,"items":${JSON.stringify(rows.map(toContractListRow))}` +
          `,"unknown_system_excluded":${JSON.stringify(counts.unknownSystemExcluded)}` +
          `,"segment_counts":${JSON.stringify(counts.segmentCounts)}` +
          `,"coverage":${JSON.stringify({
            ingested_region_ids: coverage.ingestedRegionIds,
            as_of: coverage.asOf === null ? null : formatTimestamp(coverage.asOf),
          })}}`;
        return { generation, value: body };
      });
    },

    async detail(contractId: bigint, ifNoneMatch: string | undefined): Promise<ReadResult> {
      // Detail ignores liveness, so its tag depends on the generation and the id only (api.md §5).
      const compute = async () => {
        const { generation, value } = await reads.detail(contractId);
        return { generation, value: value === null ? null : JSON.stringify(toContractDetail(value.row, value.items)) };
      };
      return conditionalRead('detail', ifNoneMatch, (g) => `W/"${g}.${contractId}"`, compute, true);
    },

    async taxonomy(ifNoneMatch: string | undefined): Promise<ReadResult> {
      const liveAt = livenessInstant(deps.now());
      const minutes = Math.floor(liveAt.getTime() / 60_000);
      return conditionalRead('taxonomy', ifNoneMatch, (g) => `W/"${g}.${minutes}.taxonomy"`, async () => {
        const { generation, value: rows } = await reads.taxonomy(liveAt);
        const categories = [...rows.categories]
          .sort((a, b) => byCodePoint(a.name, b.name) || a.categoryId - b.categoryId)
          .map((c) => ({ category_id: c.categoryId, name: c.name }));
        const groups = [...rows.groups]
          .sort((a, b) => byCodePoint(a.name, b.name) || a.groupId - b.groupId)
          .map((g) => ({ group_id: g.groupId, category_id: g.categoryId, name: g.name }));
        const populationComplete =
          rows.populationSize > 0 && rows.populationComplete >= TAXONOMY_COMPLETE_SHARE * rows.populationSize;
        const coverage = populationComplete && !rows.unnamedCategoryOnPopulation ? 'complete' : 'partial';
        return { generation, value: JSON.stringify({ categories, groups, coverage }) };
      });
    },
  };
}

export type ContractReadService = ReturnType<typeof createContractReadService>;
