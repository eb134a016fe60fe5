// Cleanup that must run when the user interrupts a command (Ctrl-C): stop child processes, remove staging files.
type Handler = () => Promise<void> | void;
const handlers = new Set<Handler>();

/** Registers cleanup for an interrupt; returns a function that unregisters it. */
export function onInterrupt(fn: Handler): () => void {
  handlers.add(fn);
  return () => handlers.delete(fn);
}

export async function runInterruptHandlers(): Promise<void> {
  for (const fn of [...handlers].reverse()) {
    try {
      await fn();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}
