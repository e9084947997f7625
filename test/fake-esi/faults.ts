/**
 * The switchable faults of docs/sync.md §8: storage, validation, request matching and the
 * times/skip/probability bookkeeping. What a fault does is up to the route handlers and the
 * server; this module only decides whether it applies to a request.
 */
import { Rng, mix32, unitHash } from './random.js';
import type { EsiRouteId, FaultKind, FaultSpec, FaultState } from './types.js';

const ALL: readonly EsiRouteId[] = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9'];

const KIND_ROUTES: Readonly<Record<FaultKind, readonly EsiRouteId[]>> = {
  status: ALL,
  hang: ALL,
  reset: ALL,
  truncate: ALL,
  'corrupt-gzip': ALL,
  'error-limit': ALL,
  'rate-limit': ALL,
  'not-modified': ALL,
  headers: ALL,
  downtime: ALL,
  'xpages-change': ['E1', 'E9'],
  'last-modified': ['E1'],
  'duplicate-id': ['E1', 'E2'],
  'page-past-end': ['E1'],
  'short-page': ['E1'],
  stale: ['E1'],
  'mass-drop': ['E1'],
  'bad-type': ['E1', 'E2'],
  'strip-optional': ['E1', 'E2'],
  'big-items': ['E2'],
  'empty-items': ['E2'],
  'bad-name-id': ['E3'],
  'bad-bid-row': ['E9'],
};

/** Faults that pick rows of a listing rather than requests by contract id. */
const ROW_FAULTS: ReadonlySet<FaultKind> = new Set(['bad-type', 'strip-optional']);

export interface RequestInfo {
  readonly route: EsiRouteId;
  readonly esiPath: string;
  readonly regionId?: number;
  readonly page?: number;
  readonly contractId?: number;
}

export interface ActiveFault {
  readonly id: string;
  readonly spec: FaultSpec;
  readonly pathPattern: RegExp | null;
  matched: number;
  fired: number;
}

function list(value: number | readonly number[] | undefined): readonly number[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? [value] : value;
}

function checkNumber(value: unknown, name: string, min: number, max = Infinity): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`fault ${name} must be a number in [${min}, ${max}] (got ${JSON.stringify(value)})`);
  }
}

export function validateFault(spec: FaultSpec): RegExp | null {
  if (typeof spec !== 'object' || spec === null || !(spec.kind in KIND_ROUTES)) {
    throw new Error(`unknown fault kind ${JSON.stringify((spec as { kind?: unknown } | null)?.kind)}`);
  }
  const routes = spec.route === undefined ? [] : typeof spec.route === 'string' ? [spec.route] : spec.route;
  for (const route of routes) if (!ALL.includes(route)) throw new Error(`unknown fault route ${JSON.stringify(route)}`);
  checkNumber(spec.times, 'times', 0);
  checkNumber(spec.skip, 'skip', 0);
  checkNumber(spec.probability, 'probability', 0, 1);
  if (spec.kind === 'status') checkNumber(spec.status, 'status', 100, 599);
  if (spec.kind === 'big-items') checkNumber(spec.rows, 'rows', 1, 100_000);
  if (spec.kind === 'bad-name-id' && !Array.isArray(spec.ids)) throw new Error('bad-name-id needs ids');
  if (spec.kind === 'bad-type' || spec.kind === 'strip-optional') checkNumber(spec.share, 'share', 0, 1);
  return spec.path === undefined ? null : new RegExp(spec.path);
}

export class FaultStore {
  private readonly faults: ActiveFault[] = [];
  private readonly rng: Rng;
  private nextId = 1;

  constructor(private readonly seed: number) {
    this.rng = new Rng(mix32(seed, 'faults'));
  }

  add(spec: FaultSpec): string {
    const pathPattern = validateFault(spec);
    const id = `f${this.nextId++}`;
    this.faults.push({ id, spec: structuredClone(spec), pathPattern, matched: 0, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const index = this.faults.findIndex((f) => f.id === id);
    if (index >= 0) this.faults.splice(index, 1);
    return index >= 0;
  }

  clear(): void {
    this.faults.length = 0;
  }

  list(): FaultState[] {
    return this.faults.map((f) => ({ id: f.id, spec: structuredClone(f.spec), matched: f.matched, fired: f.fired }));
  }

  /** Faults whose request filters match, in the order they were added; nothing is counted yet. */
  candidates(info: RequestInfo): ActiveFault[] {
    return this.faults.filter((f) => this.filtersMatch(f, info));
  }

  /** Counts an applicable request against the fault; true when the fault affects it. */
  fire(fault: ActiveFault): boolean {
    const { times, skip, probability } = fault.spec;
    fault.matched++;
    if (skip !== undefined && fault.matched <= skip) return false;
    if (times !== undefined && fault.fired >= times) return false;
    if (probability !== undefined && !(this.rng.next() < probability)) return false;
    fault.fired++;
    return true;
  }

  /** Whether a row fault (bad-type, strip-optional) picks this contract's row. */
  selectsRow(fault: ActiveFault, contractId: number | undefined, defaultShare: number): boolean {
    if (contractId === undefined) return false;
    const ids = list(fault.spec.contractId);
    if (ids) return ids.includes(contractId);
    const share = 'share' in fault.spec && fault.spec.share !== undefined ? fault.spec.share : defaultShare;
    return unitHash(this.seed, fault.spec.kind, contractId) < share;
  }

  private filtersMatch(fault: ActiveFault, info: RequestInfo): boolean {
    const spec = fault.spec;
    if (!KIND_ROUTES[spec.kind].includes(info.route)) return false;
    if (spec.route !== undefined) {
      const routes = typeof spec.route === 'string' ? [spec.route] : spec.route;
      if (!routes.includes(info.route)) return false;
    }
    if (fault.pathPattern && !fault.pathPattern.test(info.esiPath)) return false;
    if (spec.regionId !== undefined && spec.regionId !== info.regionId) return false;
    const pages = list(spec.page);
    if (pages && (info.page === undefined || !pages.includes(info.page))) return false;
    const contracts = list(spec.contractId);
    const rowFaultOnListing = ROW_FAULTS.has(spec.kind) && info.route === 'E1';
    if (contracts && !rowFaultOnListing && (info.contractId === undefined || !contracts.includes(info.contractId))) {
      return false;
    }
    if (spec.times !== undefined && fault.fired >= spec.times) return false;
    return true;
  }
}

/**
 * The per-request view handed to route handlers: `take(kind)` fires the first applicable fault of
 * that kind (counting it) and records which kinds affected the request.
 */
export class FaultHook {
  readonly applied: string[] = [];

  constructor(
    readonly store: FaultStore,
    private readonly candidates: readonly ActiveFault[],
  ) {}

  /** Candidates of a kind, not counted (for handlers that must look before they fire). */
  peek<K extends FaultKind>(kind: K): (ActiveFault & { spec: Extract<FaultSpec, { kind: K }> })[] {
    return this.candidates.filter((f) => f.spec.kind === kind) as (ActiveFault & {
      spec: Extract<FaultSpec, { kind: K }>;
    })[];
  }

  /** Fires the first candidate of `kind` that passes `applies`; returns its spec, or undefined. */
  take<K extends FaultKind>(
    kind: K,
    applies: (spec: Extract<FaultSpec, { kind: K }>) => boolean = () => true,
  ): Extract<FaultSpec, { kind: K }> | undefined {
    for (const fault of this.peek(kind)) {
      if (!applies(fault.spec)) continue;
      if (this.store.fire(fault)) {
        this.applied.push(kind);
        return fault.spec;
      }
    }
    return undefined;
  }

  /** Fires the first candidate (in the order faults were added) of any of these kinds. */
  takeAny(kinds: readonly FaultKind[]): FaultSpec | undefined {
    for (const fault of this.candidates) {
      if (!kinds.includes(fault.spec.kind)) continue;
      if (this.store.fire(fault)) {
        this.applied.push(fault.spec.kind);
        return fault.spec;
      }
    }
    return undefined;
  }

  /** Like take, but returns the fault itself (row faults need it to select rows). */
  takeFault<K extends FaultKind>(
    kind: K,
    applies: (fault: ActiveFault) => boolean,
  ): (ActiveFault & { spec: Extract<FaultSpec, { kind: K }> }) | undefined {
    for (const fault of this.peek(kind)) {
      if (!applies(fault)) continue;
      if (this.store.fire(fault)) {
        this.applied.push(kind);
        return fault;
      }
    }
    return undefined;
  }
}
