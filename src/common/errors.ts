// Error classes shared by every component. Operating errors (bad input, a peer that
// is down) are these; programmer errors are plain assertion failures.

/** Bad usage or bad input from outside: the CLI exits 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

/** An operation that failed for a reason outside the caller's input: exit 1. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  readonly code = 'failed';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}
