/**
 * True when `err` says the connection is gone (a socket error such as ECONNRESET or EPIPE, no code
 * at all, or SQLSTATE class 08 or 57P: the server shut down or restarted), as opposed to an error
 * of the statement itself. The read thread runs it from its source text too (see
 * pg-read-worker.ts), so it uses nothing from outside it.
 *
 * @example
 * ```ts
 * isConnectionLoss({ code: '57P01' }); // true: the server is shutting down
 * isConnectionLoss({ code: 'ECONNRESET' }); // true: a socket error
 * isConnectionLoss({ code: '23505' }); // false: a unique violation
 * ```
 */
export function isConnectionLoss(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null | undefined)?.code ?? '');
  // A SQLSTATE is five digits or capitals, and no class of them starts with E: a five-letter code
  // such as EPIPE is the socket's.
  return !/^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code) || code.startsWith('08') || code.startsWith('57P');
}
