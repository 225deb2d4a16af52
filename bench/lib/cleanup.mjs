// What must be stopped if the bench is interrupted: services, servers, temp folders.
const pending = new Set();

/** Registers `stop`; returns a function that unregisters it once it ran normally. */
export function onCleanup(stop) {
  pending.add(stop);
  return () => pending.delete(stop);
}

/** Runs every registered stop, newest first, once. */
export async function cleanupAll() {
  for (const stop of [...pending].reverse()) {
    pending.delete(stop);
    await Promise.resolve()
      .then(stop)
      .catch(() => {});
  }
}
