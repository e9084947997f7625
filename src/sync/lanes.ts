/**
 * Runs `count` lanes side by side until every one has returned. The first lane to throw stops the
 * others before they take more work (each checks `stopped()` between items), so nothing goes on
 * after the run has ended and released its lock; its error is returned once all lanes are done.
 */
export async function runLanes(count: number, lane: (stopped: () => boolean) => Promise<void>): Promise<{ error: unknown } | null> {
  let failure: { error: unknown } | null = null;
  const stopped = () => failure !== null;
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        await lane(stopped);
      } catch (error) {
        failure ??= { error };
      }
    }),
  );
  return failure;
}
