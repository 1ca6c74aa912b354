import { DatomError } from '@datomkit/datom-core';

/** Throws `restore/aborted` when `signal` is aborted. */
export function checkAborted(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted === true) throw abortedError(signal, step);
}

/** The error a restore fails with when its signal is aborted. */
export function abortedError(signal: AbortSignal, step: string): DatomError {
  return new DatomError('restore/aborted', `The restore was aborted during ${step}`, { data: { step }, cause: signal.reason });
}

/** Wraps `err` so it says which step of the restore failed; a DatomError keeps its code. */
export function withContext(err: unknown, step: string, data: Record<string, unknown> = {}): unknown {
  if (err instanceof DatomError) {
    if (err.data.step !== undefined) return err;
    return new DatomError(err.code, `${step}: ${err.message}`, { data: { ...err.data, step, ...data }, cause: err });
  }
  return new DatomError('restore/failed', `${step}: ${(err as Error)?.message ?? String(err)}`, { data: { step, ...data }, cause: err });
}
