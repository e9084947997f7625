/**
 * The data generation as last read from Postgres, reused for at most `maxAgeMs` (api.md §5 allows
 * 1 s) so a 304 or a result-cache hit costs no database round trip.
 */
export interface GenerationTracker {
  current(): Promise<number>;
  /** Records a generation read inside a snapshot, so the tracker never goes backwards. */
  observe(generation: number): void;
}

export function createGenerationTracker(
  read: () => Promise<number>,
  options: { maxAgeMs?: number; nowMs?: () => number } = {},
): GenerationTracker {
  const maxAgeMs = options.maxAgeMs ?? 1000;
  const nowMs = options.nowMs ?? (() => performance.now());
  let value = -1;
  let readAt = -Infinity;
  let inFlight: Promise<number> | null = null;

  return {
    async current() {
      if (nowMs() - readAt < maxAgeMs) return value;
      // Concurrent requests share one read instead of stampeding the database. The value's age
      // counts from when the read started, the latest moment it is known to be current.
      const startedAt = nowMs();
      inFlight ??= read()
        .then((generation) => {
          if (generation >= value) value = generation;
          readAt = startedAt;
          return value;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
    observe(generation) {
      if (generation > value) {
        value = generation;
        readAt = nowMs();
      }
    },
  };
}
