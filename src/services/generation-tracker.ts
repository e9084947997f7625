/**
 * The newest data generation this process knows of, kept current off the request path: a
 * LISTEN/NOTIFY subscription (drizzle/0003) announces every commit within milliseconds, and a poll
 * on its own connection every `pollMs` covers a dropped subscription. A request reads the value
 * without waiting for the database (docs/read-path.md §3); during an outage it stays at the last value
 * seen, which is what the data still is as far as this process can know.
 */
export interface GenerationTracker {
  /** The newest generation known, or -1 before the first read. */
  latest(): number;
  /** Records a generation seen elsewhere (a snapshot read, a notification); never goes backwards. */
  observe(generation: number): void;
  /** Reads the generation now; resolves to the newest known value even when the read fails. */
  refresh(): Promise<number>;
  /** Called with every newer generation, whichever way it became known. */
  onAdvance(listener: (generation: number) => void): void;
  close(): void;
}

export interface GenerationTrackerOptions {
  /** Reads sync_state.generation (on a connection request work cannot hold). */
  readonly read: () => Promise<number>;
  /** 0 disables the poll (tests drive `refresh` themselves). */
  readonly pollMs?: number;
}

export function createGenerationTracker(options: GenerationTrackerOptions): GenerationTracker {
  let value = -1;
  let reading: Promise<number> | null = null;
  const listeners: ((generation: number) => void)[] = [];

  const tracker: GenerationTracker = {
    latest: () => value,
    observe(generation) {
      if (!(generation > value)) return;
      value = generation;
      for (const listener of listeners) listener(generation);
    },
    refresh() {
      reading ??= options
        .read()
        .then(
          (generation) => {
            tracker.observe(generation);
            return value;
          },
          () => value,
        )
        .finally(() => {
          reading = null;
        });
      return reading;
    },
    onAdvance(listener) {
      listeners.push(listener);
    },
    close() {
      clearInterval(timer);
    },
  };
  const pollMs = options.pollMs ?? 1000;
  const timer = pollMs > 0 ? setInterval(() => void tracker.refresh(), pollMs).unref() : undefined;
  return tracker;
}
