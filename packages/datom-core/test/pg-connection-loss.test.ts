// Which PostgreSQL errors mean the connection is gone (storage/pg-connection-loss.ts): the rule the
// store, the lock connection and the read thread all use to reconnect instead of failing.
import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from '../src/storage/pg-connection-loss.js';
import { readWorkerSource } from '../src/storage/pg-read-worker.js';

describe('isConnectionLoss', () => {
  it('is true for SQLSTATE classes 08 and 57P and for socket errors', () => {
    for (const code of ['08006', '08001', '57P01', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']) expect(isConnectionLoss({ code })).toBe(true);
    // No code at all: the client's own "Connection terminated unexpectedly".
    expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLoss(null)).toBe(true);
  });
  it('is false for an error of the statement itself', () => {
    for (const code of ['23505', '42P01', '40001', '57014', '53100']) expect(isConnectionLoss({ code })).toBe(false);
  });
  it('is the rule the read thread runs, from its source text', () => {
    expect(readWorkerSource()).toContain(isConnectionLoss.toString());
  });
});
