/** The sync engine's view of ESI facts, after tolerant parsing (docs/sync.md §2.1, §2.2). */

export interface ListingContract {
  readonly contractId: number;
  readonly type: string;
  readonly issuerId: number;
  readonly issuerCorporationId: number;
  readonly dateIssued: Date;
  readonly dateExpired: Date;
  readonly price: number | null;
  readonly buyout: number | null;
  readonly reward: number | null;
  readonly collateral: number;
  readonly daysToComplete: number | null;
  readonly startLocationId: number | null;
  readonly endLocationId: number | null;
  readonly forCorporation: boolean;
  readonly title: string | null;
  readonly volume: number | null;
}

export interface EsiContractItem {
  readonly recordId: number;
  readonly typeId: number;
  readonly quantity: number;
  readonly isIncluded: boolean;
  readonly isBlueprintCopy: boolean | null;
  readonly itemId: number | null;
  readonly runs: number | null;
  readonly materialEfficiency: number | null;
  readonly timeEfficiency: number | null;
}

export type RegionOutcome = 'success' | 'partial' | 'failure';
export type RunOutcome = 'success' | 'partial' | 'failure';
export type RunTrigger = 'startup' | 'schedule' | 'cli';

/** Counters of one region sweep, written to its `scope = region` run record. */
export interface RegionCounters {
  pagesFetched: number;
  pagesNotModified: number;
  contractsSeen: number;
  contractsNew: number;
  contractsClosed: number;
  contractsReopened: number;
  errors: number;
  esiRequests: number;
}

export function emptyRegionCounters(): RegionCounters {
  return { pagesFetched: 0, pagesNotModified: 0, contractsSeen: 0, contractsNew: 0, contractsClosed: 0, contractsReopened: 0, errors: 0, esiRequests: 0 };
}

/** Counters of a whole run (`scope = run`). */
export interface RunCounters extends RegionCounters {
  itemsFetched: number;
  itemRows: number;
}

export function emptyRunCounters(): RunCounters {
  return { ...emptyRegionCounters(), itemsFetched: 0, itemRows: 0 };
}

/** Raised to stop a run at its next safe point (lock lost, shutdown, downtime, database down). */
export class StopRun extends Error {
  constructor(readonly detail: 'lock_lost' | 'shutdown' | 'downtime' | 'database_unavailable', readonly outcome: RunOutcome) {
    super(`sync stopped: ${detail}`);
    this.name = 'StopRun';
  }
}
