/**
 * Starts `build` now (during the cold start) and returns a getter for its result. If the build fails
 * (a secret or a connection not reachable yet), the next call builds again instead of leaving the
 * warm container broken until Lambda recycles it.
 */
export function initOnce<T>(build: () => T | Promise<T>): () => Promise<T> {
  const start = async () => build();
  let pending: Promise<T> | undefined = start();
  // Awaited by the first caller; this only keeps an early failure from crashing the process.
  pending.catch(() => undefined);
  return async () => {
    pending ??= start();
    try {
      return await pending;
    } catch (err) {
      pending = undefined;
      throw err;
    }
  };
}
