/**
 * One write transaction at a time among the phases a run overlaps (items and bids): both update
 * the same auctions' `contracts` rows, in whatever order their statements meet them, and two such
 * transactions side by side can deadlock. Holding the gate only around the transaction keeps the
 * requests of both phases concurrent.
 */
export type WriteGate = <T>(write: () => Promise<T>) => Promise<T>;

export function createWriteGate(): WriteGate {
  let tail: Promise<unknown> = Promise.resolve();
  return (write) => {
    const result = tail.then(write, write);
    tail = result.catch(() => {});
    return result;
  };
}

/** For a phase running alone. */
export const UNGATED: WriteGate = (write) => write();
